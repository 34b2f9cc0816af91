using System.Diagnostics;
using Overseer.Errors;

namespace Overseer.Drill;

/// <summary>The operator's actions on the schedule, through the typed client as an operator's tooling would make them:
/// each retried until the cluster answers (a refusal is an answer) or <see cref="AnswerWithin"/> passes, which breaks
/// the promise that the cluster answers while two silos are up. Records in the ledger what the checker needs.</summary>
internal sealed class DrillOperator(DrillCluster cluster, DrillPopulation population, DrillLedger ledger, StoreReads store)
{
    /// <summary>How long an action may go unanswered, across its retries: Orleans' own failover of a dead or frozen
    /// silo's gateway takes seconds, a Redis restart a few more.</summary>
    public static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(90);

    private readonly Dictionary<string, SemaphoreSlim> _locks = population.Workers.ToDictionary(w => w.Id, _ => new SemaphoreSlim(1, 1));

    public async Task RunAsync(DrillStep step, CancellationToken cancellationToken)
    {
        var gate = _locks[step.Target];
        await gate.WaitAsync(cancellationToken);
        try
        {
            switch (step.Kind)
            {
                case DrillStepKind.Stop:
                    await StopAsync(step.Target, cancellationToken);
                    break;
                case DrillStepKind.Resume:
                    await ResumeAsync(step.Target, cancellationToken);
                    break;
                case DrillStepKind.Rewind:
                    await RewindAsync(step.Target, cancellationToken);
                    break;
                case DrillStepKind.DeleteAndRestart:
                    await DeleteAndRestartAsync(step.Target, cancellationToken);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(step), step.Kind, "not an operator action");
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops a worker and records the checkpoint its stop left (read from Redis after the stop returned).</summary>
    /// <param name="what">How the log and the report name it: <c>stop</c> on the schedule, <c>final-stop</c> for the checks.</param>
    public async Task<bool> StopAsync(string id, CancellationToken cancellationToken, string what = "stop")
    {
        if (await AnswerAsync($"{what} {id}", ct => cluster.Client.StopAsync(id, ct), cancellationToken) is null)
        {
            return false;
        }

        ledger.Stopped(id, await ReadAsync(() => store.CheckpointAsync(population[id]), cancellationToken));
        return true;
    }

    /// <summary>Checks that the stopped worker has not moved since its stop returned, then resumes it.</summary>
    private async Task ResumeAsync(string id, CancellationToken cancellationToken)
    {
        await CheckStillAsync(id, cancellationToken);
        if (await AnswerAsync($"resume {id}", ct => cluster.Client.ResumeAsync(id, ct), cancellationToken) is not null)
        {
            ledger.Resumed(id);
        }
    }

    /// <summary>The stop promise for one worker: its checkpoint is the one its stop left.</summary>
    public async Task CheckStillAsync(string id, CancellationToken cancellationToken)
    {
        if (ledger.StoppedAt(id) is not { } stoppedAt)
        {
            return;
        }

        var now = await ReadAsync(() => store.CheckpointAsync(population[id]), cancellationToken);
        if (now != stoppedAt)
        {
            ledger.Break(DrillPromise.StopsHold, $"worker '{id}' moved from checkpoint {stoppedAt} to {now} after its stop returned");
        }
    }

    private async Task RewindAsync(string id, CancellationToken cancellationToken)
    {
        var before = await ReadAsync(() => store.CheckpointAsync(population[id]), cancellationToken);
        var to = before / 2;
        var result = await AnswerAsync($"rewind {id} --to {to}", ct => cluster.Client.RewindAsync(id, to, ct), cancellationToken);
        if (result is not null)
        {
            // The answer may be a retry's, after an attempt whose answer was lost had rewound already (it then reads "from
            // the target"): the events read before the rewind were committed once more than the final checkpoint says.
            ledger.Rewound(id, Math.Max(result.FromCheckpoint, before), to);
        }
    }

    private async Task DeleteAndRestartAsync(string id, CancellationToken cancellationToken)
    {
        if (await AnswerAsync($"delete {id}", ct => cluster.Client.DeleteAsync(id, cancellationToken: ct), cancellationToken) is null)
        {
            return;
        }

        ledger.Deleted(id);
        var (events, cursor) = await ReadAsync(async () => (await store.OutputLengthAsync(population[id]), await store.CursorExistsAsync(population[id])), cancellationToken);
        if (events > 0 || cursor)
        {
            ledger.Break(DrillPromise.DeleteStartsOver, $"worker '{id}' still had {events} events{(cursor ? " and its cursor" : "")} after its delete returned");
        }

        await AnswerAsync($"start {id} (again)", ct => cluster.Client.StartAsync(id, population[id].Spec, ct), cancellationToken);
    }

    /// <summary>Runs <paramref name="call"/> until the cluster answers; null when it was refused or never answered.</summary>
    private async Task<T?> AnswerAsync<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        var attempts = 0;
        while (clock.Elapsed < AnswerWithin)
        {
            attempts++;
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(AnswerWithin - clock.Elapsed);
            try
            {
                var result = await call(attempt.Token);
                ledger.Write($"{what}: ok after {clock.Elapsed.TotalSeconds:0.0}s ({attempts} attempt{(attempts == 1 ? "" : "s")})");
                ledger.CountApplied(what.Split(' ')[0]);
                return result;
            }
            catch (OverseerException refused) when (refused.Code != OverseerErrorCode.Unavailable)
            {
                // A refusal is an answer; none is expected of the drill's own actions, so it is logged for the reader.
                ledger.Write($"{what}: refused ({refused.Code}): {refused.Message}");
                return null;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                last = ex;
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
        }

        ledger.Break(DrillPromise.OperatorActions, $"`{what}` got no answer within {AnswerWithin.TotalSeconds:0} s ({attempts} attempts; last: {last?.GetType().Name}: {last?.Message})");
        return null;
    }

    /// <summary>A read from Redis, retried while Redis is restarting, paused or asleep.</summary>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await read();
            }
            catch (Exception) when (attempt < 120 && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
        }
    }
}
