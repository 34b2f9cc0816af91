using Overseer.Drill;
using Overseer.Models;
using Overseer.Sources.Sequence;

namespace Overseer.Tests.Unit;

public sealed class DrillOutputRuleTests
{
    private static readonly DrillWorker Worker = new("w", DrillRole.Endless, WorkerSpec.For("sequence"));

    private static List<(long, string)> Events(params long[] seqs) => [.. seqs.Select(s => (s, SequenceSource.Payload("w", s)))];

    [Fact]
    public void OneToCheckpoint_OnceEach_Holds() => Assert.Null(DrillChecker.Dense(Worker, Events(1, 2, 3), 3));

    [Fact]
    public void Nothing_AtCheckpointZero_Holds() => Assert.Null(DrillChecker.Dense(Worker, Events(), 0));

    [Theory]
    [InlineData(new long[] { 1, 2, 2, 3 }, 3, "event #3 is seq 2, expected 3 (duplicate")]
    [InlineData(new long[] { 1, 3 }, 3, "event #2 is seq 3, expected 2 (gap")]
    [InlineData(new long[] { 2, 3 }, 3, "event #1 is seq 2, expected 1 (gap")]
    [InlineData(new long[] { 1, 2 }, 3, "holds 2 events, its checkpoint is 3")]
    [InlineData(new long[] { 1, 2, 3 }, 2, "holds 3 events, its checkpoint is 2")]
    public void GapsDuplicatesAndCheckpointMismatches_AreNamed(long[] seqs, long checkpoint, string expected)
    {
        var problem = DrillChecker.Dense(Worker, Events(seqs), checkpoint);

        Assert.NotNull(problem);
        Assert.Contains("worker 'w'", problem);
        Assert.Contains(expected, problem);
    }

    [Fact]
    public void AnotherWorkersPayload_IsNamed()
    {
        var problem = DrillChecker.Dense(Worker, [(1, SequenceSource.Payload("w", 1)), (2, SequenceSource.Payload("other", 2))], 2);

        Assert.Contains("seq 2 has payload", problem);
    }

    private static readonly DrillWorker Poisoned = new("w", DrillRole.Rows, WorkerSpec.For("sequence"), PoisonEvery: 3);

    [Fact]
    public void PoisonSeqs_AreNotRows_ButDeadLetters_UpToTheCheckpoint_Holds()
    {
        Assert.Null(DrillChecker.Dense(Poisoned, Events(1, 2, 4, 5, 7), 7));
        Assert.Null(DrillChecker.DeadLettered(Poisoned, [3, 6], 7));
    }

    [Theory]
    [InlineData(new long[] { 1, 2, 3, 4 }, 4, "event #3 is seq 3, expected 4 (duplicate")]
    [InlineData(new long[] { 1, 2, 5 }, 5, "event #3 is seq 5, expected 4 (gap")]
    [InlineData(new long[] { 1, 2, 4 }, 5, "holds 3 events, its checkpoint is 5 (4 without its poison seqs)")]
    public void APoisonSeqHeldAsARow_OrAGoodOneMissing_IsNamed(long[] seqs, long checkpoint, string expected) =>
        Assert.Contains(expected, DrillChecker.Dense(Poisoned, Events(seqs), checkpoint));

    [Theory]
    [InlineData(new long[] { 3 }, 7)]
    [InlineData(new long[] { 3, 3, 6 }, 7)]
    [InlineData(new long[] { 3, 6, 9 }, 7)]
    public void DeadLettersMissingTwiceOrPastTheCheckpoint_AreNamed(long[] letters, long checkpoint) =>
        Assert.Contains("expected [3 6]", DrillChecker.DeadLettered(Poisoned, letters, checkpoint));
}
