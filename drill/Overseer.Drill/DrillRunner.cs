using System.Collections.Immutable;
using System.Globalization;

namespace Overseer.Drill;

/// <summary>Plays the schedule against the cluster: each step at its time (a slow step never delays the next), faults
/// here, operator actions through <see cref="DrillOperator"/>; meanwhile samples the pool and probes the CLI.</summary>
internal sealed class DrillRunner(DrillCluster cluster, DrillLedger ledger, DrillOperator operatorActions, StoreReads store, int poolCap)
{
    private static readonly TimeSpan PoolSampleInterval = TimeSpan.FromMilliseconds(250);

    private CliProbe? probe;

    public async Task RunAsync(ImmutableArray<DrillStep> schedule, CliProbe cliProbe, TimeSpan length, CancellationToken cancellationToken)
    {
        probe = cliProbe;
        using var background = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = SamplePoolAsync(background.Token);
        var probing = cliProbe.RunAsync(background.Token);
        ledger.Restart();
        var steps = schedule.Select(step => RunStepAsync(step, cancellationToken)).ToList();
        await Task.Delay(length, cancellationToken);
        ledger.Write("schedule over; waiting for steps still in flight");
        await Task.WhenAll(steps);
        await background.CancelAsync();
        await Task.WhenAll(sampler, probing);
    }

    private async Task RunStepAsync(DrillStep step, CancellationToken cancellationToken)
    {
        var wait = step.At - ledger.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken);
        }

        ledger.Write($"> {step}");
        try
        {
            if (step.IsOperatorAction)
            {
                await operatorActions.RunAsync(step, cancellationToken);
                return;
            }

            var from = DateTime.UtcNow;
            await FaultAsync(step, cancellationToken);
            if (CostsLeases(step.Kind) is { } after)
            {
                ledger.Disturbed(step.Kind, from, DateTime.UtcNow + after);
            }

            ledger.CountApplied(step.Kind.ToString());
            ledger.Write($"< {step.Kind} {step.Target} done");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A fault that could not be applied (e.g. a silo that would not start) is the drill's own trouble, not a
            // broken promise of the product's; it is logged and reported.
            ledger.CountApplied($"{step.Kind} (could not apply)");
            ledger.Write($"< {step.Kind} {step.Target} could not be applied: {ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>Whether a fault may rightly cost a worker its slot, and for how long after it ends: a frozen silo or a
    /// store that cannot renew leases (Redis down, paused or asleep) for the fault itself; a killed silo until its
    /// workers have been found silent and started elsewhere. A graceful shutdown (SIGTERM) and a join never may.</summary>
    private static TimeSpan? CostsLeases(DrillStepKind kind) => kind switch
    {
        DrillStepKind.FreezeSilo or DrillStepKind.RestartRedis or DrillStepKind.PauseRedisWrites or DrillStepKind.SleepRedis => TimeSpan.Zero,
        DrillStepKind.KillSilo => TimeSpan.FromSeconds(10),
        _ => null,
    };

    private async Task FaultAsync(DrillStep step, CancellationToken cancellationToken)
    {
        switch (step.Kind)
        {
            case DrillStepKind.KillSilo:
                cluster.Silo(step.Target).Kill();
                break;
            case DrillStepKind.TerminateSilo:
                await cluster.Silo(step.Target).TerminateAsync(TimeSpan.FromSeconds(60));
                break;
            case DrillStepKind.JoinSilo:
                await cluster.JoinAsync(step.Target, cancellationToken);
                break;
            case DrillStepKind.FreezeSilo:
                var silo = cluster.Silo(step.Target);
                silo.Suspend();
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(step.Argument), cancellationToken);
                }
                finally
                {
                    silo.Resume();
                }

                break;
            case DrillStepKind.RestartRedis:
                await WhileProbingAsync(cluster.RestartRedisAsync(TimeSpan.FromMilliseconds(step.Argument), cancellationToken));
                break;
            case DrillStepKind.PauseRedisWrites:
                await WhileProbingAsync(cluster.PauseRedisWritesAsync(step.Argument));
                break;
            case DrillStepKind.SleepRedis:
                await WhileProbingAsync(cluster.SleepRedisAsync(step.Argument));
                break;
            case DrillStepKind.CrashPostgres:
                await cluster.CrashPostgresAsync(TimeSpan.FromMilliseconds(step.Argument), cancellationToken);
                break;
            case DrillStepKind.FeedFault:
                await cluster.Feed.InjectFaultAsync(step.Target, step.Argument);
                break;
            case DrillStepKind.Reorg:
                await cluster.Anvil.Rpc.ReorgAsync(step.Argument, cancellationToken);
                if (step.Argument > DrillSchedule.Confirmations)
                {
                    ledger.NoteDeepReorg();
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step.Kind, "not a fault");
        }
    }

    /// <summary>A Redis fault with the CLI asked meanwhile: <c>status</c> of an id no one started makes a silo read grain
    /// state from the store that is down, the answer that once leaked an internal exception type to the terminal.</summary>
    private async Task WhileProbingAsync(Task fault)
    {
        var probing = probe!.ProbeAsync(CliProbe.StatusOfUnknown);
        await fault;
        await probing;
    }

    /// <summary>Samples the slots held (unexpired leases) every quarter second; more than the cap breaks the promise.</summary>
    private async Task SamplePoolAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var held = (await store.HoldersAsync()).Length;
                ledger.SamplePool(held);
                if (held > poolCap)
                {
                    ledger.Break(DrillPromise.PoolCap, string.Create(CultureInfo.InvariantCulture, $"{held} slots held, cap {poolCap}"));
                }
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Redis is down, paused or asleep (a scheduled fault): no sample this time.
            }

            try
            {
                await Task.Delay(PoolSampleInterval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
