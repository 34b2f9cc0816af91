using Overseer.Outputs;
using Overseer.Redis;
using StackExchange.Redis;

namespace Overseer.Sources.Streams;

/// <summary>The <c>stream</c> source kind: follows another worker's committed Redis stream (<see cref="StreamSource"/>).
/// Options: see <see cref="StreamSourceSettings"/>; the upstream itself is checked at start by
/// <see cref="StreamFollowers"/>.</summary>
/// <remarks>Declared sparse, as the kind's default; each run commits with its upstream's own density, which the upstream's
/// commits record beside its checkpoint (<see cref="IEventSource.Density"/>).</remarks>
internal sealed class StreamSourceFactory(IConnectionMultiplexer redis, RedisKeys keys, StoreRetry retry) : IEventSourceFactory
{
    public const string Kind = "stream";

    public SequenceDensity Density => SequenceDensity.Sparse;

    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) => StreamSourceSettings.Read(options).Problems;

    public IEventSource Create(SourceContext context)
    {
        var (settings, problems) = StreamSourceSettings.Read(context.Options);
        return settings is null
            ? throw new ArgumentException(string.Join("; ", problems), nameof(context))
            : new StreamSource(context.WorkerId, settings, redis, keys, retry, context.ResumeToken);
    }

    /// <summary>The token the follower holds now: the upstream rollbacks its events reflect hold for any prefix of them.</summary>
    public ValueTask<string?> TokenAtAsync(SourceContext context, long seq, CancellationToken cancellationToken) =>
        ValueTask.FromResult(context.ResumeToken);
}
