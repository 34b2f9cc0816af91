using System.Collections.Immutable;
using Overseer.Models;
using Overseer.Sources.Sequence;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>A handler on the default output: it rewrites the payloads, and the stream still holds each seq once.</summary>
[Collection(ClusterCollection.Name)]
public sealed class StreamHandlerTests(OverseerCluster fixture)
{
    [Fact]
    public async Task StreamHandler_RewritesEachPayload_AndTheStreamHoldsEachSeqOnce()
    {
        var id = $"stream-handler-{Guid.NewGuid():N}";
        var spec = WorkerSpec.For("sequence", ("limit", "120"), ("batch", "25")) with
        {
            Handler = PrefixHandler.Name,
            HandlerOptions = ImmutableSortedDictionary<string, string>.Empty.Add("prefix", "decoded:"),
        };

        await fixture.Manager.StartAsync(id, spec);
        var done = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);
        var events = await fixture.Client.GetGrain<IWorkerGrain>(id).GetEventsAsync(1, 1000);

        Assert.Equal(120, done.Checkpoint);
        Assert.Equal(PrefixHandler.Name, done.EventHandler);
        Assert.Equal(Enumerable.Range(1, 120).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.All(events, e => Assert.Equal("decoded:" + SequenceSource.Payload(id, e.Seq), e.Payload));
    }

    [Fact]
    public async Task StreamHandler_ThatFailsOnAnEvent_Halts_WithTheEventsBeforeItCommittedOnce_AndCannotSkipOrDeadLetter()
    {
        var id = $"stream-poison-{Guid.NewGuid():N}";
        var spec = WorkerSpec.For("sequence", ("limit", "120"), ("batch", "25")) with
        {
            Handler = PrefixHandler.Name,
            HandlerOptions = ImmutableSortedDictionary<string, string>.Empty.Add("failAt", "60"),
        };

        var refused = await ThrowsOverseerAsync(
            Errors.OverseerErrorCode.InvalidArgument, () => fixture.Manager.StartAsync(id, spec with { Poison = new PoisonPolicy(PoisonAction.DeadLetter) }));
        await fixture.Manager.StartAsync(id, spec with { Poison = new PoisonPolicy(PoisonAction.Halt, Retries: 1) });
        var halted = await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Halted);
        var events = await fixture.Client.GetGrain<IWorkerGrain>(id).GetEventsAsync(1, 1000);
        var skip = await ThrowsOverseerAsync(Errors.OverseerErrorCode.Conflict, () => fixture.Manager.SkipAsync(id, 60, "test"));

        Assert.Contains("poison policy 'dead-letter' is not possible for handler 'prefix'", refused.Message);
        Assert.Equal((59L, 0, 60L, 2), (halted.Checkpoint, halted.Restarts, halted.Halt!.Seq, halted.Halt.Attempts));
        Assert.Equal(Enumerable.Range(1, 59).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.Contains("cannot skip seq 60", skip.Message);
    }
}
