using System.Collections.Immutable;
using Overseer.Client;
using Overseer.Errors;
using Overseer.Models;
using Overseer.Testing;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>A command whose answer is lost in transport is retried by the client (<c>CallRetry</c>), though its first
/// attempt ran: the commands that consume what they act on (a halt, a dead letter) must not act twice, and must not
/// report a refusal for what they did without saying so.</summary>
public sealed class CommandRetryTests(PostgresCluster fixture) : IClassFixture<PostgresCluster>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static WorkerSpec Spec(PoisonPolicy? poison, string failAt) =>
        WorkerSpec.For("sequence", ("limit", "100"), ("batch", "10")) with
        {
            Handler = RecordingHandler.Name,
            HandlerOptions = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("failAt", failAt)]),
            Poison = poison,
        };

    private Task<WorkerInfo> InfoAsync(string id) => fixture.Client.GetGrain<IWorkerGrain>(id).GetInfoAsync();

    [Fact]
    public async Task Skip_RetriedAfterItsAnswerWasLost_PassesOnlyTheEventItMeant_AndReturnsItPassed()
    {
        var id = $"retry-skip-{Guid.NewGuid():N}";
        await fixture.Manager.StartAsync(id, Spec(poison: null, failAt: "47,49"));
        await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Halted);

        // The skip of 47 runs; while its answer is on the way the worker commits 48 and halts at 49, the next bad event.
        var (lossy, losses) = LostAnswers.Of(fixture.Client, nameof(IManagerGrain.SkipAsync), () => Eventually.UntilAsync(
            () => InfoAsync(id),
            w => w.Halt is { Seq: 49 },
            Deadline,
            w => $"worker {id} halted at seq 49 after the skip of 47; it is {w.Status} at checkpoint {w.Checkpoint}, halt {w.Halt?.Seq}"));
        var skipped = await new OverseerClient(lossy).SkipAsync(id); // "whichever it halted at": 47 when asked
        var after = await InfoAsync(id);

        Assert.Equal(1, losses.Lost);
        Assert.True(skipped.Checkpoint >= 47, $"the retried skip returns the worker past seq 47; it returned checkpoint {skipped.Checkpoint}");
        Assert.Equal((WorkerStatus.Halted, 48L, 49L), (after.Status, after.Checkpoint, after.Halt?.Seq));
        var rows = await RecordingHandler.SeqsAsync(fixture.ConnectionString, id);
        Assert.Equal(Enumerable.Range(1, 46).Select(i => (long)i).Append(48L), rows);
        var audit = await fixture.Manager.GetAuditAsync(1000);
        Assert.Single(audit, e => e.WorkerId == id && e.Action == "skip" && e.Outcome.StartsWith("done:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Discard_RetriedAfterItsAnswerWasLost_IsRefusedSayingTheFirstAttemptMayHaveDoneIt()
    {
        var id = $"retry-discard-{Guid.NewGuid():N}";
        await fixture.Manager.StartAsync(id, Spec(new PoisonPolicy(PoisonAction.DeadLetter, Retries: 0), failAt: "47"));
        await WaitForStatusAsync(fixture.Client, id, WorkerStatus.Completed);

        var (lossy, losses) = LostAnswers.Of(fixture.Client, nameof(IManagerGrain.DiscardAsync), () => Task.CompletedTask);
        var refused = await ThrowsOverseerAsync(OverseerErrorCode.InvalidArgument, () => new OverseerClient(lossy).DiscardAsync(id, 47));
        var letters = await fixture.Manager.GetDeadLettersAsync(id, null, 10);

        Assert.Equal(1, losses.Lost);
        Assert.Empty(letters.Items);
        Assert.Contains("no dead letter at seq 47", refused.Message);
        Assert.Contains("the answer to the first attempt was lost in transport, and it may have been carried out", refused.Message);
    }
}
