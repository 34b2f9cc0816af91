using System.Collections.Immutable;
using Overseer.Sources;
using Overseer.Sources.Sequence;

namespace Overseer.Tests.Unit;

public sealed class SequenceSourceTests
{
    private static IEventSource Create(params (string Key, string Value)[] options) =>
        new SequenceSourceFactory(TimeProvider.System).Create(new SourceContext("w", options.ToImmutableDictionary(o => o.Key, o => o.Value)));

    [Fact]
    public async Task Fetch_FromCheckpoint_ReturnsTheNextBatchInOrder()
    {
        await using var source = Create(("batch", "3"));

        var batch = await source.FetchAsync(10, CancellationToken.None);

        Assert.Equal([11L, 12L, 13L], batch.Events.Select(e => e.Seq));
        Assert.Equal(SequenceSource.Payload("w", 12), batch.Events[1].Payload);
        Assert.False(batch.Exhausted);
    }

    [Fact]
    public async Task Fetch_AtLimit_IsExhausted_AndNeverPassesTheLimit()
    {
        await using var source = Create(("limit", "5"), ("batch", "4"));

        var below = await source.FetchAsync(0, CancellationToken.None);
        var first = await source.FetchAsync(3, CancellationToken.None);
        var done = await source.FetchAsync(5, CancellationToken.None);

        Assert.False(below.Exhausted);
        Assert.Equal([4L, 5L], first.Events.Select(e => e.Seq));
        Assert.True(first.Exhausted, "the batch that reaches the limit ends the run without one more fetch");
        Assert.True(done.Exhausted);
        Assert.Empty(done.Events);
    }

    [Fact]
    public async Task Fetch_LimitZero_IsUnbounded_AsTheReadmeSays()
    {
        await using var source = Create(("limit", "0"), ("batch", "2"));

        var first = await source.FetchAsync(0, CancellationToken.None);
        var far = await source.FetchAsync(1_000_000, CancellationToken.None);

        Assert.Equal([1L, 2L], first.Events.Select(e => e.Seq));
        Assert.False(first.Exhausted);
        Assert.Equal([1_000_001L, 1_000_002L], far.Events.Select(e => e.Seq));
    }

    [Fact]
    public async Task Fetch_FailAfter_DeliversExactlyNThenThrows()
    {
        await using var source = Create(("failAfter", "5"), ("batch", "3"));

        var a = await source.FetchAsync(0, CancellationToken.None);
        var b = await source.FetchAsync(3, CancellationToken.None);
        var ex = await Assert.ThrowsAsync<SequenceSourceFailureException>(() => source.FetchAsync(5, CancellationToken.None));

        Assert.Equal(3, a.Events.Count);
        Assert.Equal(2, b.Events.Count);
        Assert.Contains("failAfter=5", ex.Message);
    }

    [Fact]
    public async Task Fetch_FailAfterZero_ThrowsAtOnce()
    {
        await using var source = Create(("failAfter", "0"));

        await Assert.ThrowsAsync<SequenceSourceFailureException>(() => source.FetchAsync(0, CancellationToken.None));
    }

    [Fact]
    public void Payload_IsDeterministicPerWorkerAndSeq()
    {
        Assert.Equal(SequenceSource.Payload("a", 7), SequenceSource.Payload("a", 7));
        Assert.NotEqual(SequenceSource.Payload("a", 7), SequenceSource.Payload("b", 7));
        Assert.StartsWith("a#7#", SequenceSource.Payload("a", 7));
    }

    [Theory]
    [InlineData("w", 1L, "w#1#5f813a194930c59a")]
    [InlineData("idle-42", 1234567890123L, "idle-42#1234567890123#b76e34288ef4ea00")]
    public void Payload_IsStable_AcrossVersions(string workerId, long seq, string expected) =>
        Assert.Equal(expected, SequenceSource.Payload(workerId, seq));

    [Theory]
    [InlineData("limit", "-1", "invalid option limit='-1' for source sequence: expected an integer from 0")]
    [InlineData("batch", "0", "invalid option batch='0' for source sequence: expected an integer from 1 to 10000")]
    [InlineData("delayMs", "soon", "invalid option delayMs='soon'")]
    [InlineData("colour", "red", "unknown option 'colour' for source sequence: valid options are limit, batch, delayMs, failAfter")]
    public void Validate_BadOption_NamesOptionValueAndRange(string key, string value, string expected)
    {
        var problems = new SequenceSourceFactory(TimeProvider.System).Validate(new Dictionary<string, string> { [key] = value });

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }
}
