namespace Overseer.Handlers;

/// <summary>A team's own code between a worker's source and its output, registered by name with
/// <see cref="Hosting.OverseerBuilder.AddHandler{THandler}"/> and chosen per worker with <c>start --handler NAME</c>.</summary>
/// <remarks>Implement <see cref="IStreamHandler"/> (the Redis stream output) or <see cref="IPostgresHandler"/> (the
/// PostgreSQL output): the interface decides where the worker's effects and its one cursor live. A handler is a plain
/// DI singleton: it serves every worker that names it, so per-worker data travels in the batch, never in fields.
/// A handler that throws on a batch (other than an outage of a store) fails that batch: nothing of it is committed, the
/// batch is bisected so that the events around the failing one commit, and the worker's poison policy
/// (<see cref="Models.PoisonPolicy"/>: halt, skip or dead-letter, after retries) decides about the one event that fails
/// alone. The handler must therefore be deterministic: the same events give the same effects or the same failure.</remarks>
public interface IEventHandler
{
    /// <summary>Problems with a worker's handler options (<c>start --handler-option key=value</c>), each naming the
    /// option, the bad value and what would be valid; empty when valid. Called at start, before anything is written.</summary>
    IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) => [];

    /// <summary>The handler's version: raise it when a deploy changes what the handler writes for the same events. Each
    /// worker's cursor records the version its effects were committed with, and only that version commits: a worker whose
    /// handler now has another version waits (halted, reason handler-version) until the operator rebuilds it
    /// (<c>rewind --to 0</c>) or accepts the new version (<c>accept</c>), so old and new effects are never mixed, also
    /// while old and new silos run side by side. Dead letters record it too. Default 1.</summary>
    int Version => 1;
}
