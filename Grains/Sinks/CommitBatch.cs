using Overseer.Sources;

namespace Overseer.Sinks;

/// <summary>One batch for <see cref="IEventSink.CommitAsync"/>.</summary>
/// <param name="Generation">The cursor generation the committing run owns.</param>
/// <param name="Checkpoint">The checkpoint the batch follows (the run's last committed sequence number).</param>
/// <param name="Events">Strictly increasing, all after <paramref name="Checkpoint"/>.</param>
/// <param name="Density">Dense: the batch must start at checkpoint + 1 and have no hole.</param>
/// <param name="Token">The source token after the last event, or null to keep the stored one.</param>
/// <param name="LeaseUntil">The run's pool slot lease expiry in Redis time (Unix ms); 0 when the pool is uncapped.</param>
public readonly record struct CommitBatch(
    long Generation,
    long Checkpoint,
    IReadOnlyList<SourceEvent> Events,
    SequenceDensity Density,
    string? Token,
    long LeaseUntil);
