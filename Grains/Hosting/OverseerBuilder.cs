using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Overseer.Handlers;
using Overseer.Sources;

namespace Overseer.Hosting;

/// <summary>What a team adds to Overseer from its own silo host: source kinds, handlers, and the PostgreSQL database the
/// handlers write to. One line each; handed to the <c>AddOverseer(…, o => …)</c> callback.</summary>
/// <example><code>
/// builder.AddOverseer(o => o
///     .AddPostgres(builder.Configuration.GetConnectionString("postgres")!)
///     .AddHandler&lt;Erc20Transfers&gt;("erc20")
///     .AddSource&lt;MyFeedFactory&gt;("my-feed"));
/// </code></example>
public sealed class OverseerBuilder
{
    internal OverseerBuilder(IServiceCollection services) => Services = services;

    /// <summary>The silo's services, for what a handler or source needs besides (an HTTP client, options).</summary>
    public IServiceCollection Services { get; }

    /// <summary>Registers <typeparamref name="TFactory"/> as the source kind <paramref name="kind"/>, usable as
    /// <c>start &lt;id&gt; --source kind</c>. A kind registered twice is refused at start.</summary>
    public OverseerBuilder AddSource<TFactory>(string kind)
        where TFactory : class, IEventSourceFactory
    {
        Services.AddEventSource<TFactory>(Names.Require(kind, "source kind"));
        return this;
    }

    /// <summary>Registers <typeparamref name="THandler"/> (an <see cref="IStreamHandler"/> or an
    /// <see cref="IPostgresHandler"/>) as the handler <paramref name="name"/>, usable as
    /// <c>start &lt;id&gt; --handler name</c>. A singleton, built by DI.</summary>
    public OverseerBuilder AddHandler<THandler>(string name)
        where THandler : class, IEventHandler
    {
        var output = typeof(IPostgresHandler).IsAssignableFrom(typeof(THandler)) ? HandlerOutput.Postgres
            : typeof(IStreamHandler).IsAssignableFrom(typeof(THandler)) ? HandlerOutput.RedisStream
            : throw new ArgumentException(
                $"handler '{name}' ({typeof(THandler).FullName}) implements neither {nameof(IStreamHandler)} (the Redis stream output) nor {nameof(IPostgresHandler)} (the PostgreSQL output)",
                nameof(THandler));
        Services.AddKeyedSingleton<IEventHandler, THandler>(Names.Require(name, "handler name"));
        Services.AddSingleton(new HandlerKind(name, output));
        return this;
    }

    /// <summary>The PostgreSQL database that <see cref="IPostgresHandler"/>s write to, and where their workers' cursors
    /// live (Overseer creates its one table, <c>overseer_cursors</c>, if missing). The connection string is checked now;
    /// its password never reaches a log.</summary>
    public OverseerBuilder AddPostgres(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        NpgsqlConnectionStringBuilder parsed;
        try
        {
            parsed = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"invalid PostgreSQL connection string: {ex.Message}; expected e.g. Host=127.0.0.1;Port=5432;Database=app;Username=app;Password=…", nameof(connectionString), ex);
        }

        Services.AddSingleton(new Outputs.Postgres.PostgresDatabase(parsed.ConnectionString));
        return this;
    }

    /// <summary>Refuses, at start, what cannot work: a handler on PostgreSQL without a database, a name used twice.</summary>
    internal static void EnsureComplete(IServiceCollection services)
    {
        var handlers = services.Where(d => d.ImplementationInstance is HandlerKind).Select(d => (HandlerKind)d.ImplementationInstance!).ToList();
        var sources = services.Where(d => d.ImplementationInstance is SourceKind).Select(d => ((SourceKind)d.ImplementationInstance!).Name).ToList();
        var twice = handlers.Select(h => h.Name).GroupBy(n => n).Where(g => g.Count() > 1).Select(g => $"handler '{g.Key}'")
            .Concat(sources.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => $"source kind '{g.Key}'"))
            .ToList();
        if (twice.Count > 0)
        {
            throw new InvalidOperationException($"registered more than once: {string.Join(", ", twice)}; each name must be registered once");
        }

        var needsPostgres = handlers.Where(h => h.Output == HandlerOutput.Postgres).Select(h => h.Name).ToList();
        if (needsPostgres.Count > 0 && !services.Any(d => d.ServiceType == typeof(Outputs.Postgres.PostgresDatabase)))
        {
            throw new InvalidOperationException(
                $"handler(s) {string.Join(", ", needsPostgres.Select(n => $"'{n}'"))} write to PostgreSQL, but no database is configured: set ConnectionStrings:postgres (ConnectionStrings__postgres), or call AddPostgres(connectionString)");
        }
    }

    private static class Names
    {
        public static string Require(string name, string what)
        {
            if (string.IsNullOrWhiteSpace(name) || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                throw new ArgumentException($"invalid {what} '{name}': expected a non-empty name without spaces, e.g. erc20", nameof(name));
            }

            return name;
        }
    }
}
