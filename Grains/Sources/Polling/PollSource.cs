namespace Overseer.Sources.Polling;

/// <summary>A source that only polls (<c>http-poll</c>; <c>evm</c> without <c>ws</c>): every fetch is one turn of
/// its <see cref="PollLoop"/>.</summary>
internal sealed class PollSource(PollLoop loop) : IEventSource, ISourceHandlerStatus
{
    public string Handler => "poll";

    public int Failovers => 0;

    public long? Head => loop.Head;

    public Task<SourceBatch> FetchAsync(long after, CancellationToken cancellationToken) => loop.PollAsync(after, wake: null, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
