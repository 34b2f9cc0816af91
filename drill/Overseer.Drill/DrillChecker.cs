using System.Globalization;
using Overseer.Errors;
using Overseer.Models;
using Overseer.Sources.Sequence;
using Overseer.Testing;

namespace Overseer.Drill;

/// <summary>After the schedule: lets the cluster settle, then checks every promise, adding each broken one to the
/// ledger. Reads the outputs, cursors and pool from Redis itself; asks the workers and the registry through the client.</summary>
internal sealed class DrillChecker(DrillCluster cluster, DrillPopulation population, DrillLedger ledger, DrillOperator operatorActions, StoreReads store)
{
    /// <summary>How long a worker that should run may take to show it does, once every fault is over.</summary>
    private static readonly TimeSpan SettleWithin = TimeSpan.FromSeconds(120);

    /// <summary>Two heartbeats of the drill's silos, plus the registry's flush interval and a margin for the call itself.</summary>
    private static readonly TimeSpan RegistryWithin = TimeSpan.FromSeconds(2 * 1 + 0.5 + 5);

    public long EventsChecked { get; private set; }

    /// <summary>Dead letters read and checked (of the workers whose handler fails on poison events).</summary>
    public long DeadLettersChecked { get; private set; }

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        foreach (var silo in cluster.Silos.Where(s => !s.HasExited))
        {
            silo.Resume();
        }

        await cluster.Feed.ClearFaultsAsync();
        foreach (var (id, _) in ledger.StillStopped())
        {
            await operatorActions.CheckStillAsync(id, cancellationToken);
        }

        CheckSlotLosses();
        await CheckShouldRunAsync(cancellationToken);
        await StopEveryWorkerAsync(cancellationToken);
        await CheckPoolDrainsAsync(cancellationToken);
        var final = await CheckRegistryAsync(cancellationToken);
        await CheckOutputsAsync(final, cancellationToken);
        CheckRestarts(final);
        await CheckAuditAsync(cancellationToken);
    }

    /// <summary>Slot losses the silos logged so far (the final stops release slots, they lose none).</summary>
    public int SlotLosses { get; private set; }

    /// <summary>A worker loses its pool slot only when its lease could not be renewed: its silo frozen or killed, or
    /// Redis down, paused or asleep, within a lease (and the heartbeat that renews it) before. Never because another
    /// silo shut down gracefully or joined.</summary>
    private void CheckSlotLosses()
    {
        var window = DrillSchedule.SlotLease + TimeSpan.FromSeconds(3);
        foreach (var silo in cluster.Silos)
        {
            foreach (var (at, workerId) in SiloLogScan.SlotLosses(silo.LogPath))
            {
                SlotLosses++;
                var excuses = ledger.DisturbancesBetween(at - window, at);
                ledger.Write($"slot loss: worker '{workerId}' at {at:HH:mm:ss.fff} UTC on {silo.Name}; faults within {window.TotalSeconds:0} s before: {(excuses.Count == 0 ? "none" : string.Join(", ", excuses))}");
                if (excuses.Count == 0)
                {
                    ledger.Break(DrillPromise.PoolCap, string.Create(CultureInfo.InvariantCulture,
                        $"worker '{workerId}' lost its pool slot at {at:HH:mm:ss.fff} UTC on {silo.Name} with no freeze, kill or Redis fault in the {window.TotalSeconds:0} s before"));
                }
            }
        }
    }

    /// <summary>Every worker not stopped by the operator runs: its checkpoint moves (or it completed, or failed as its
    /// policy says, or waits in the queue of a full pool).</summary>
    private async Task CheckShouldRunAsync(CancellationToken cancellationToken)
    {
        var start = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var worker in population.Workers)
        {
            start[worker.Id] = await DrillOperator.ReadAsync(() => store.CheckpointAsync(worker), cancellationToken);
        }

        var waiting = population.Workers.Where(w => ledger.StoppedAt(w.Id) is null).Select(w => w.Id).ToHashSet(StringComparer.Ordinal);
        var last = new Dictionary<string, WorkerInfo>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + SettleWithin;
        while (waiting.Count > 0 && DateTime.UtcNow < deadline)
        {
            var poolFull = await FullPoolAsync();
            foreach (var id in waiting.ToList())
            {
                try
                {
                    var info = await cluster.Client.GetStatusAsync(id, cancellationToken);
                    last[id] = info;
                    if (Runs(population[id], info, start[id], poolFull))
                    {
                        waiting.Remove(id);
                    }
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    // Not answering yet: asked again on the next round.
                }
            }

            if (waiting.Count > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }

        foreach (var id in waiting.Order(StringComparer.Ordinal))
        {
            var seen = last.TryGetValue(id, out var info)
                ? string.Create(CultureInfo.InvariantCulture, $"{info.Status} at checkpoint {info.Checkpoint} (was {start[id]}), restarts {info.Restarts}, lastError {info.LastError ?? "none"}")
                : "no answer to status";
            ledger.Break(DrillPromise.ShouldRunRuns, $"worker '{id}' ({population[id].Role}) should run but showed {seen} for {SettleWithin.TotalSeconds:0} s after the faults ended");
        }
    }

    private bool Runs(DrillWorker worker, WorkerInfo info, long startCheckpoint, bool poolFull)
    {
        var moved = info.Checkpoint > startCheckpoint && info.Status is WorkerStatus.Running or WorkerStatus.Backoff;
        var queued = info.Status == WorkerStatus.Pending && poolFull;
        return worker.Role switch
        {
            DrillRole.Completing => moved || queued || (info.Status == WorkerStatus.Completed && info.Checkpoint == worker.Limit),
            DrillRole.Temporary => moved || queued || (info.Status == WorkerStatus.Failed && info.Restarts == 0),
            DrillRole.Evm => moved || queued || (ledger.DeepReorg && info.Status is WorkerStatus.Halted or WorkerStatus.Failed && ReorgError(info)),
            _ => moved || queued,
        };
    }

    /// <summary>A reorg above the finalized block is rolled back; one the source cannot undo halts the evm worker with an
    /// error naming it (documented under Ethereum nodes).</summary>
    private static bool ReorgError(WorkerInfo info) => info.LastError?.Contains("reorg", StringComparison.OrdinalIgnoreCase) == true;

    private async Task<bool> FullPoolAsync()
    {
        try
        {
            return (await store.HoldersAsync()).Length >= population.PoolCap;
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>Stops every worker (fenced), so that each output can be compared with a checkpoint that no longer moves.</summary>
    private async Task StopEveryWorkerAsync(CancellationToken cancellationToken)
    {
        ledger.Write("stopping every worker for the final checks");
        await Parallel.ForEachAsync(
            population.Workers,
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (worker, ct) => await operatorActions.StopAsync(worker.Id, ct, "final-stop"));
    }

    /// <summary>With every worker stopped, every slot comes back and the queue empties at once: a slot still held after
    /// a lease would have been leaked, were it not for the lease.</summary>
    private async Task CheckPoolDrainsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Eventually.UntilAsync(
                async () => (Holders: await store.HoldersAsync(), Pending: await store.PendingAsync()),
                s => s.Holders.Length == 0 && s.Pending == 0,
                DrillSchedule.SlotLease,
                s => $"slots still held by [{string.Join(", ", s.Holders)}] and {s.Pending} pending after every worker was stopped",
                cancellationToken);
        }
        catch (TimeoutException ex)
        {
            ledger.Break(DrillPromise.PoolCap, ex.Message.Split(Environment.NewLine)[0]);
        }
    }

    /// <summary>The registry's rows agree with the workers (status and checkpoint) within two heartbeats of the last
    /// stop; returns each worker's own status.</summary>
    private async Task<Dictionary<string, WorkerInfo>> CheckRegistryAsync(CancellationToken cancellationToken)
    {
        var workers = new Dictionary<string, WorkerInfo>(StringComparer.Ordinal);
        foreach (var worker in population.Workers)
        {
            try
            {
                workers[worker.Id] = await cluster.Client.GetStatusAsync(worker.Id, cancellationToken);
            }
            catch (OverseerException unknown) when (unknown.Code == OverseerErrorCode.UnknownWorker)
            {
                // The drill started it (its last start returned) and never deleted it since: something undid the start.
                ledger.Break(DrillPromise.ShouldRunRuns, $"worker '{worker.Id}' ({worker.Role}) is unknown to the cluster at the end, though its last start returned and no delete followed: {unknown.Message}");
            }
        }

        var disagreements = new List<string>();
        var deadline = DateTime.UtcNow + RegistryWithin;
        do
        {
            var rows = await cluster.Client.ListAsync(cancellationToken: cancellationToken).ToDictionaryAsync(r => r.Id, StringComparer.Ordinal, cancellationToken);
            disagreements = [.. population.Workers.Where(w => workers.ContainsKey(w.Id)).Select(w => Disagreement(w.Id, workers[w.Id], rows.GetValueOrDefault(w.Id))).OfType<string>()];
            disagreements.AddRange(rows.Keys.Where(id => !workers.ContainsKey(id)).Select(id => $"registry has a row for '{id}', which the drill never started"));
            if (disagreements.Count == 0)
            {
                return workers;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
        while (DateTime.UtcNow < deadline);

        foreach (var disagreement in disagreements)
        {
            ledger.Break(DrillPromise.RegistryTruth, $"{disagreement} {RegistryWithin.TotalSeconds:0.#} s after the last stop");
        }

        return workers;
    }

    private static string? Disagreement(string id, WorkerInfo worker, WorkerInfo? row) =>
        row is null ? $"registry has no row for '{id}' ({worker.Status} at {worker.Checkpoint})"
        : row.Status != worker.Status || row.Checkpoint != worker.Checkpoint
            ? string.Create(CultureInfo.InvariantCulture, $"registry says '{id}' is {row.Status} at {row.Checkpoint}, the worker says {worker.Status} at {worker.Checkpoint}")
            : null;

    /// <summary>Each output holds seq 1..checkpoint (evm: block 1..checkpoint) once each, in order, with the payload its
    /// source gives (sequence: recomputed; evm: the node's hashes).</summary>
    private async Task CheckOutputsAsync(Dictionary<string, WorkerInfo> final, CancellationToken cancellationToken)
    {
        foreach (var worker in population.Workers)
        {
            var checkpoint = await DrillOperator.ReadAsync(() => store.CheckpointAsync(worker), cancellationToken);
            var events = await DrillOperator.ReadAsync(() => store.EventsAsync(worker), cancellationToken);
            EventsChecked += events.Count;
            var problem = worker.Role == DrillRole.Evm
                ? await EvmIndexCheck.BlocksAsync(cluster.Anvil.Rpc, worker.Id, events, 1, checkpoint)
                : Dense(worker, events, checkpoint);
            if (problem is null && worker.PoisonEvery is not null)
            {
                var letters = await DrillOperator.ReadAsync(() => store.DeadLettersAsync(worker), cancellationToken);
                DeadLettersChecked += letters.Count;
                problem = DeadLettered(worker, letters, checkpoint);
            }

            if (problem is null)
            {
                continue;
            }

            if (worker.Role == DrillRole.Evm && ledger.DeepReorg && final.TryGetValue(worker.Id, out var evm) && ReorgError(evm))
            {
                ledger.Write($"evm worker '{worker.Id}' stopped at a reorg it cannot roll back, as documented: {problem}");
                continue;
            }

            ledger.Break(DrillPromise.ExactlyOnce, problem);
        }
    }

    /// <summary>The output rule: seq 1..checkpoint once each, in order, with the source's payloads (but the poison seqs of
    /// a worker whose handler fails on them, which are dead letters instead); null when it holds.</summary>
    internal static string? Dense(DrillWorker worker, IReadOnlyList<(long Seq, string Payload)> events, long checkpoint)
    {
        var expected = 0L;
        for (var i = 0; i < events.Count; i++)
        {
            var (seq, payload) = events[i];
            do
            {
                expected++;
            }
            while (worker.IsPoison(expected));

            if (seq != expected)
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"worker '{worker.Id}' event #{i + 1} is seq {seq}, expected {expected} ({(seq < expected ? "duplicate" : "gap")}; first seq must be {(worker.IsPoison(1) ? 2 : 1)})");
            }

            if (worker.IsSequence && payload != SequenceSource.Payload(worker.Id, seq))
            {
                return string.Create(CultureInfo.InvariantCulture, $"worker '{worker.Id}' seq {seq} has payload {payload}, expected {SequenceSource.Payload(worker.Id, seq)}");
            }
        }

        var held = checkpoint - worker.PoisonThrough(checkpoint).LongCount();
        return events.Count == held
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"worker '{worker.Id}' holds {events.Count} events, its checkpoint is {checkpoint}{(held == checkpoint ? "" : $" ({held} without its poison seqs)")}");
    }

    /// <summary>The dead-letter rule: a worker whose handler fails on its poison seqs holds each one up to its checkpoint as
    /// a dead letter, once (committed with the checkpoint that passed it), and no other; null when it holds.</summary>
    internal static string? DeadLettered(DrillWorker worker, IReadOnlyList<long> letters, long checkpoint)
    {
        var expected = worker.PoisonThrough(checkpoint).ToList();
        return letters.SequenceEqual(expected)
            ? null
            : string.Create(CultureInfo.InvariantCulture,
                $"worker '{worker.Id}' (poisonEvery={worker.PoisonEvery}) holds dead letters [{string.Join(' ', letters)}] at checkpoint {checkpoint}; expected [{string.Join(' ', expected)}]");
    }

    /// <summary>Outages count no restart: a worker that never crashes has none; a worker that crashes every
    /// <c>failAfter</c> events has at most one per <c>failAfter</c> events committed (moves and stops start a fresh count,
    /// so fewer is possible; more is a restart without a crash).</summary>
    private void CheckRestarts(Dictionary<string, WorkerInfo> final)
    {
        foreach (var worker in population.Workers.Where(w => final.ContainsKey(w.Id)))
        {
            var info = final[worker.Id];
            var committed = info.Checkpoint + ledger.Recommitted(worker.Id);
            long? allowed = worker.Role switch
            {
                DrillRole.Crashing => committed / worker.FailAfter!.Value,
                DrillRole.Evm when ledger.DeepReorg => null,
                _ => 0,
            };
            if (allowed is { } max && info.Restarts > max)
            {
                ledger.Break(DrillPromise.RestartsCountCrashes, string.Create(CultureInfo.InvariantCulture,
                    $"worker '{worker.Id}' ({worker.Role}) has {info.Restarts} restarts; its scheduled crashes allow at most {max} ({committed} events committed{(worker.FailAfter is { } f ? $", failAfter={f}" : "")})"));
            }
        }
    }

    /// <summary>The audit stream holds an entry for each delete and rewind the drill made.</summary>
    private async Task CheckAuditAsync(CancellationToken cancellationToken)
    {
        var audit = await cluster.Client.GetAuditAsync(10_000, cancellationToken);
        foreach (var group in ledger.Audited().GroupBy(a => a))
        {
            var found = audit.Count(e => e.Action == group.Key.Action && e.WorkerId == group.Key.WorkerId && e.Actor == "drill");
            if (found < group.Count())
            {
                ledger.Break(DrillPromise.OperatorActions, string.Create(CultureInfo.InvariantCulture,
                    $"the audit stream holds {found} '{group.Key.Action}' entries for '{group.Key.WorkerId}', the drill made {group.Count()}"));
            }
        }
    }
}
