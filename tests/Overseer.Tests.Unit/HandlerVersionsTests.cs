using Overseer.Handlers;
using Overseer.Models;

namespace Overseer.Tests.Unit;

/// <summary>The handler-version rule: when a run may commit, what its halt says, when a halt ends by itself, and when an
/// accept is refused.</summary>
public sealed class HandlerVersionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(null, null, false)] // no handler
    [InlineData(null, 2, false)] // nothing recorded yet (new worker, pre-versions cursor, rewound to 0): the run records its own
    [InlineData(1, null, false)] // the spec dropped its handler
    [InlineData(1, 1, false)]
    [InlineData(1, 2, true)]
    [InlineData(2, 1, true)]
    public void Differ_OnlyWhenBothAreKnownAndNotEqual(int? committed, int? current, bool differ) =>
        Assert.Equal(differ, HandlerVersions.Differ(committed, current));

    [Fact]
    public void Halt_ForANewerHandler_NamesBothVersionsTheCheckpointAndBothWaysOut()
    {
        var halt = HandlerVersions.Halt("w-1", "erc20", committed: 1, current: 2, checkpoint: 40, Now);

        Assert.Equal((HaltReason.HandlerVersion, 40L, (string?)null, "HandlerVersion", 0, Now, (int?)1, (int?)2),
            (halt.Reason, halt.Seq, halt.Payload, halt.ErrorType, halt.Attempts, halt.At, halt.CommittedVersion, halt.HandlerVersion));
        Assert.Equal(
            "handler 'erc20' is version 2 on this silo, and worker 'w-1' committed its effects up to seq 40 with version 1: it waits, so that the two versions' effects are never mixed. "
            + "Rebuild with the new code: overseer rewind w-1 --to 0; or keep the effects and continue from seq 40 with version 2: overseer accept w-1",
            halt.Error);
    }

    [Fact]
    public void Halt_ForANewerHandler_WhoseEffectsCannotBeRemoved_OffersOnlyAccept_SayingWhyNotARebuild()
    {
        var halt = HandlerVersions.Halt("w-1", "pg", committed: 1, current: 2, checkpoint: 40, Now, whyNoRebuild: "handler 'pg' has no rewind hook");

        Assert.Equal(
            "handler 'pg' is version 2 on this silo, and worker 'w-1' committed its effects up to seq 40 with version 1: it waits, so that the two versions' effects are never mixed. "
            + "Keep the effects and continue from seq 40 with version 2: overseer accept w-1 (a rebuild with rewind --to 0 is not possible: handler 'pg' has no rewind hook)",
            halt.Error);
    }

    [Fact]
    public void Halt_ForAnOlderHandler_SaysItWaitsForTheDeploy()
    {
        var halt = HandlerVersions.Halt("w-1", "erc20", committed: 3, current: 2, checkpoint: 40, Now);

        Assert.StartsWith("handler 'erc20' is version 2 on this silo, older than version 3 that worker 'w-1' committed its effects with up to seq 40: it waits for a silo with version 3", halt.Error);
        Assert.Contains("overseer resume w-1", halt.Error);
        Assert.Contains("overseer accept w-1", halt.Error);
    }

    [Fact]
    public void RunsHere_OnlyAVersionHalt_OnASiloWithTheCommittedVersion()
    {
        var version = HandlerVersions.Halt("w", "h", committed: 2, current: 1, checkpoint: 5, Now);
        var poison = new WorkerHalt(HaltReason.PoisonEvent, 6, "p", "System.FormatException", "bad", 1, Now);

        Assert.True(HandlerVersions.RunsHere(version, 2));
        Assert.False(HandlerVersions.RunsHere(version, 1));
        Assert.False(HandlerVersions.RunsHere(version, null));
        Assert.False(HandlerVersions.RunsHere(poison, 2));
        Assert.False(HandlerVersions.RunsHere(null, 2));
    }

    [Fact]
    public void WhyNotAccept_NullOnlyForAVersionHalt_ElseNamesWhatTheWorkerIs()
    {
        var version = HandlerVersions.Halt("w", "h", committed: 1, current: 2, checkpoint: 5, Now);
        var poison = new WorkerHalt(HaltReason.PoisonEvent, 6, "p", "System.FormatException", "bad", 1, Now);

        Assert.Null(HandlerVersions.WhyNotAccept("w", WorkerStatus.Halted, version));
        Assert.Equal(
            "worker 'w' is not waiting on a handler version change: it halted on a poison event at seq 6 (System.FormatException); resume it after a fix, skip the event, or rewind it",
            HandlerVersions.WhyNotAccept("w", WorkerStatus.Halted, poison));
        Assert.StartsWith("worker 'w' is running, not waiting on a handler version change", HandlerVersions.WhyNotAccept("w", WorkerStatus.Running, null));
        var reorg = new WorkerHalt(HaltReason.Reorg, 7, null, "Overseer.Sources.Evm.EvmReorgException", "reorg below the finalized block", 1, Now);
        Assert.Equal(
            "worker 'w' is not waiting on a handler version change: it halted at seq 7 on a reorg it cannot roll back (reorg below the finalized block); rewind it to before the fork, then resume it",
            HandlerVersions.WhyNotAccept("w", WorkerStatus.Halted, reorg));
    }
}
