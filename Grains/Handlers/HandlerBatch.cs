using Overseer.Sources;

namespace Overseer.Handlers;

/// <summary>One batch for a handler: the events a worker's source returned after its checkpoint, in order.</summary>
/// <param name="WorkerId">The worker whose batch this is.</param>
/// <param name="Events">Strictly increasing sequence numbers, all after the worker's checkpoint; never empty.</param>
/// <param name="Options">The worker's validated handler options.</param>
public sealed record HandlerBatch(string WorkerId, IReadOnlyList<SourceEvent> Events, IReadOnlyDictionary<string, string> Options);
