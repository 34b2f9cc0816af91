using System.Collections.Immutable;
using Overseer.Handlers;

namespace Overseer.Outputs;

/// <summary>A worker's output, and the handler its batches go through (null: events are appended as the source returned
/// them), resolved from its spec once per activation by <see cref="OutputCatalog"/>.</summary>
internal sealed record WorkerBinding(IWorkerOutput Output, string? HandlerName, IEventHandler? Handler, ImmutableSortedDictionary<string, string> HandlerOptions)
{
    public ICursorStore Cursors => Output.Cursors;
}
