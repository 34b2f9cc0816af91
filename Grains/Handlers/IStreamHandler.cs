namespace Overseer.Handlers;

/// <summary>A handler on the default output, the worker's Redis stream: it may rewrite each event's payload before the
/// batch is appended (decode, enrich, project). The batch and the checkpoint are still one fenced Redis script.</summary>
public interface IStreamHandler : IEventHandler
{
    /// <summary>The payloads to append, one per event of <paramref name="batch"/> and in the same order (the sequence
    /// numbers stay the source's: they are the worker's cursor).</summary>
    ValueTask<IReadOnlyList<string>> TransformAsync(HandlerBatch batch, CancellationToken cancellationToken);
}
