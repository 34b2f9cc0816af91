using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Overseer.Errors;
using Overseer.Handlers;
using Overseer.Models;
using Overseer.Outputs.Postgres;
using Overseer.Outputs.Redis;
using Overseer.Redis;

namespace Overseer.Outputs;

/// <summary>Binds a worker to its output: the Redis stream (no handler, or an <see cref="IStreamHandler"/>) or PostgreSQL
/// (an <see cref="IPostgresHandler"/>). Every output it hands out retries store outages (<see cref="RetryingOutput"/>).
/// </summary>
internal sealed class OutputCatalog(IServiceProvider services, RedisStreamOutput redis, HandlerCatalog handlers, StoreRetry retry)
{
    private readonly Lazy<RetryingOutput?> _postgres = new(() =>
        services.GetService<PostgresDatabase>() is { } database
            ? new RetryingOutput(new PostgresOutput(database, services.GetRequiredService<PostgresSchema>()), retry)
            : null);

    /// <summary>The dead letters of this silo's PostgreSQL output; null when it has no PostgreSQL database.</summary>
    public IDeadLetters? DeadLetters => _postgres.Value?.DeadLetters;

    /// <summary>The default output, for a worker without a spec (what a delete cut short left).</summary>
    public WorkerBinding Default { get; } = new(new RetryingOutput(redis, retry), null, null, ImmutableSortedDictionary<string, string>.Empty);

    /// <summary>The output and handler of a worker with <paramref name="spec"/> (validated at start; a handler no
    /// longer registered on this silo is an error that names it).</summary>
    public WorkerBinding Bind(WorkerSpec? spec)
    {
        if (spec?.Handler is not { } name)
        {
            return Default;
        }

        var (handler, output) = handlers.Find(name)
            ?? throw OverseerException.Invalid($"worker handler '{name}' is not registered on this silo: valid handlers are {string.Join(", ", handlers.Names)}");
        var options = spec.HandlerOptions ?? ImmutableSortedDictionary<string, string>.Empty;
        return output == HandlerOutput.Postgres
            ? new WorkerBinding(
                _postgres.Value ?? throw OverseerException.Invalid($"handler '{name}' writes to PostgreSQL, but this silo has no PostgreSQL database: configure ConnectionStrings:postgres"),
                name,
                handler,
                options)
            : new WorkerBinding(Default.Output, name, handler, options);
    }
}
