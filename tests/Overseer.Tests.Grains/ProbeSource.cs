using System.Collections.Concurrent;
using System.Globalization;
using Overseer.Sources;

namespace Overseer.Tests.Grains;

/// <summary>A test-only source kind, <c>probe</c>: events 1..<c>limit</c> in batches of <c>batch</c>, each batch
/// committing the token <c>tok-{last seq}</c>; each source instance crashes after <c>failAfter</c> events; <c>skip</c>
/// leaves that sequence number out (a gap). It records, per worker, the resume token every instance was created with.</summary>
internal sealed class ProbeSourceFactory : IEventSourceFactory
{
    public const string Kind = "probe";

    private static readonly string[] Known = ["limit", "batch", "failAfter", "skip"];

    /// <summary>Resume tokens handed to each new source of a worker, in order.</summary>
    public static ConcurrentDictionary<string, ConcurrentQueue<string?>> ResumeTokens { get; } = new(StringComparer.Ordinal);

    public SequenceDensity Density => SequenceDensity.Dense;

    public static string TokenAfter(long seq) => $"tok-{seq}";

    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) =>
        [.. options.Keys.Where(k => !Known.Contains(k)).Select(k => $"unknown option '{k}' for probe: valid options are {string.Join(", ", Known)}")];

    /// <summary>The token a rewind asks for is the one a commit up to that seq carried.</summary>
    public ValueTask<string?> TokenAtAsync(SourceContext context, long seq, CancellationToken cancellationToken) =>
        ValueTask.FromResult<string?>(TokenAfter(seq));

    public IEventSource Create(SourceContext context)
    {
        ResumeTokens.GetOrAdd(context.WorkerId, _ => new()).Enqueue(context.ResumeToken);
        long Option(string name, long fallback) =>
            context.Options.TryGetValue(name, out var v) ? long.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new ProbeSource(Option("limit", 100), (int)Option("batch", 10), Option("failAfter", long.MaxValue), Option("skip", -1));
    }

    private sealed class ProbeSource(long limit, int batch, long failAfter, long skip) : IEventSource
    {
        private long _delivered;

        public Task<SourceBatch> FetchAsync(long after, CancellationToken cancellationToken)
        {
            if (after >= limit)
            {
                return Task.FromResult(SourceBatch.Done);
            }

            if (_delivered >= failAfter)
            {
                throw new InvalidOperationException($"probe failed as configured after {failAfter} events (at {after})");
            }

            var events = new List<SourceEvent>();
            for (var seq = after + 1; seq <= limit && events.Count < batch && _delivered + events.Count < failAfter; seq++)
            {
                if (seq != skip)
                {
                    events.Add(new SourceEvent(seq, $"p{seq}"));
                }
            }

            _delivered += events.Count;
            return Task.FromResult(new SourceBatch(events, Exhausted: false, TokenAfter(events[^1].Seq)));
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
