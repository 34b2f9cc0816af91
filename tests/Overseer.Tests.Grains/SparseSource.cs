using System.Globalization;
using Overseer.Sources;

namespace Overseer.Tests.Grains;

/// <summary>A test-only sparse source kind, <c>sparse</c>: <c>limit</c> events numbered 10, 20, 30, … (payload
/// <c>s{seq}</c>), 10 per fetch, then exhausted. Declared <see cref="SequenceDensity.Sparse"/>, so the sink accepts its
/// holes, and a dense commit of them would be refused.</summary>
internal sealed class SparseSourceFactory : IEventSourceFactory
{
    public const string Kind = "sparse";

    public const long Step = 10;

    public SequenceDensity Density => SequenceDensity.Sparse;

    public static string Payload(long seq) => $"s{seq}";

    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) =>
        [.. options.Keys.Where(k => k != "limit").Select(k => $"unknown option '{k}' for sparse: valid options are limit")];

    public IEventSource Create(SourceContext context) =>
        new SparseSource(context.Options.TryGetValue("limit", out var v) ? long.Parse(v, CultureInfo.InvariantCulture) : 10);

    private sealed class SparseSource(long limit) : IEventSource
    {
        public Task<SourceBatch> FetchAsync(long after, CancellationToken cancellationToken)
        {
            var first = (after / Step) + 1;
            var last = Math.Min(limit, first + 9);
            return Task.FromResult(first > limit
                ? SourceBatch.Done
                : new SourceBatch([.. Enumerable.Range(0, (int)(last - first + 1)).Select(i => new SourceEvent((first + i) * Step, Payload((first + i) * Step)))], Exhausted: false));
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
