namespace Overseer.Handlers;

/// <summary>The optional rewind hook of a <see cref="IPostgresHandler"/>: <c>overseer rewind</c> of a worker whose
/// handler does not implement it is refused, with a message that says so, and nothing changes.</summary>
public interface IRewindableHandler : IPostgresHandler
{
    /// <summary>Removes (or reverts) the effects of every event of <paramref name="context"/>'s worker with a sequence
    /// number above <paramref name="toSeq"/>; runs in the same transaction that moves the cursor back to it. A delete of
    /// the worker calls it with 0.</summary>
    Task RewindAsync(long toSeq, PostgresHandlerContext context, CancellationToken cancellationToken);
}
