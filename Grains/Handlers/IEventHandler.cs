namespace Overseer.Handlers;

/// <summary>A team's own code between a worker's source and its output, registered by name with
/// <see cref="Hosting.OverseerBuilder.AddHandler{THandler}"/> and chosen per worker with <c>start --handler NAME</c>.</summary>
/// <remarks>Implement <see cref="IStreamHandler"/> (the Redis stream output) or <see cref="IPostgresHandler"/> (the
/// PostgreSQL output): the interface decides where the worker's effects and its one cursor live. A handler is a plain
/// DI singleton: it serves every worker that names it, so per-worker data travels in the batch, never in fields.
/// A handler that throws crashes the worker's run (supervision decides as for a source failure); nothing of the batch is
/// committed.</remarks>
public interface IEventHandler
{
    /// <summary>Problems with a worker's handler options (<c>start --handler-option key=value</c>), each naming the
    /// option, the bad value and what would be valid; empty when valid. Called at start, before anything is written.</summary>
    IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) => [];
}
