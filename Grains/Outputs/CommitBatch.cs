using Overseer.Sources;

namespace Overseer.Outputs;

/// <summary>One batch for <see cref="IWorkerOutput.CommitAsync"/>.</summary>
/// <param name="Generation">The cursor generation the committing run owns.</param>
/// <param name="Checkpoint">The checkpoint the batch follows (the run's last committed sequence number).</param>
/// <param name="Events">Strictly increasing, all after <paramref name="Checkpoint"/>.</param>
/// <param name="Density">Dense: the batch must start at checkpoint + 1 and have no hole.</param>
/// <param name="Token">The source token after the last event, or null to keep the stored one.</param>
/// <param name="LeaseUntil">The run's pool slot lease expiry in Redis time (Unix ms); 0 when the pool is uncapped.</param>
/// <param name="Binding">The worker's output and handler.</param>
/// <param name="Pass">Set: <paramref name="Events"/> is one poison event to pass without running the handler (and, if the
/// pass says so, to keep as a dead letter); null: a batch for the handler.</param>
/// <param name="HandlerVersion">The version of the handler the committing run has (<see cref="Handlers.IEventHandler.Version"/>,
/// read once as the run starts); null for a worker without a handler. The commit is refused
/// (<see cref="CommitOutcome.VersionChanged"/>) when the cursor holds another one, and a cursor that holds none takes it: so
/// only one version's effects are ever committed for a worker, whichever silos run it.</param>
/// <param name="FinalThrough">The source's <see cref="SourceBatch.FinalThrough"/>: an output that journals effects for a
/// rollback journals those of events above it, and may forget what it journaled at or below it; null: the source never
/// rolls back.</param>
internal readonly record struct CommitBatch(
    long Generation,
    long Checkpoint,
    IReadOnlyList<SourceEvent> Events,
    SequenceDensity Density,
    string? Token,
    long LeaseUntil,
    WorkerBinding Binding,
    PoisonPass? Pass = null,
    int? HandlerVersion = null,
    long? FinalThrough = null)
{
    /// <summary>The cursor contract, the same for every output: each event follows the previous one (the first follows
    /// <see cref="Checkpoint"/>), and for a dense source by exactly one. Throws <see cref="InvalidOperationException"/>,
    /// before anything is written, naming the worker and the offending sequence numbers.</summary>
    public void EnsureFollowsCheckpoint(string workerId)
    {
        var dense = Density == SequenceDensity.Dense;
        var previous = Checkpoint;
        foreach (var e in Events)
        {
            if (dense ? e.Seq != previous + 1 : e.Seq <= previous)
            {
                throw new InvalidOperationException(dense
                    ? $"source returned seq {e.Seq} after {previous} for worker '{workerId}': its sequence is dense, so the next event must be {previous + 1} (a gap is never committed)"
                    : $"source returned seq {e.Seq} after {previous} for worker '{workerId}': sequence numbers must increase past the checkpoint");
            }

            previous = e.Seq;
        }
    }
}
