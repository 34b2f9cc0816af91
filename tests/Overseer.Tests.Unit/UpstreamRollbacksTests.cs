using Overseer.Models;
using Overseer.Outputs.Redis;
using Overseer.Sources;
using Overseer.Sources.Streams;

namespace Overseer.Tests.Unit;

/// <summary>How a <c>stream</c> worker catches up with its upstream's rollbacks: the count in its token, which rollbacks
/// it reads, when it rolls back (to the lowest target it missed, only below its checkpoint), when it only takes the new
/// count, and when it cannot know and halts.</summary>
public sealed class UpstreamRollbacksTests
{
    private static readonly Dictionary<long, long> None = [];

    private static UpstreamRollbacks Follower(string? token) => new("f", "u", token);

    [Theory]
    [InlineData(null, 0)]
    [InlineData("", 0)]
    [InlineData("rb=0", 0)]
    [InlineData("rb=7", 7)]
    [InlineData("rb=123456789012", 123456789012)]
    public void Token_NoneOrACount_IsTheRollbacksSeen_AndRoundTrips(string? token, long seen)
    {
        var rollbacks = Follower(token);

        Assert.Equal(seen, rollbacks.Seen);
        Assert.Equal(seen, Follower(rollbacks.Token).Seen);
        Assert.Equal($"rb={seen}", rollbacks.Token);
    }

    [Theory]
    [InlineData("0xabc")]
    [InlineData("rb=")]
    [InlineData("rb=-1")]
    [InlineData("rb=1x")]
    public void Token_NotOneAStreamSourceCommits_IsRefused_NamingItAndTheWayOut(string token)
    {
        var e = Assert.Throws<InvalidOperationException>(() => Follower(token));

        Assert.Contains($"stream worker 'f' has the source token '{token}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("overseer rewind f --to 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CatchUp_NoNewRollback_ReadsNothing_ChangesNothing()
    {
        var rollbacks = Follower("rb=3");

        Assert.Null(rollbacks.ToRead(3, 10));
        rollbacks.CatchUp(3, 10, None);

        Assert.Equal(3, rollbacks.Seen);
    }

    [Fact]
    public void CatchUp_NothingCommitted_TakesTheCount_EvenBeyondTheLog()
    {
        var rollbacks = Follower(null);

        Assert.Null(rollbacks.ToRead(RollbackLog.Kept * 4, 0));
        rollbacks.CatchUp(RollbackLog.Kept * 4, 0, None);

        Assert.Equal(RollbackLog.Kept * 4, rollbacks.Seen);
    }

    [Theory]
    [InlineData(10, 10)]
    [InlineData(12, 10)]
    public void CatchUp_RollbackToTheCheckpointOrAbove_TakesTheCount_NoRollback(long target, long after)
    {
        var rollbacks = Follower("rb=2");

        Assert.Equal((3L, 3L), rollbacks.ToRead(3, after));
        rollbacks.CatchUp(3, after, new Dictionary<long, long> { [3] = target });

        Assert.Equal(3, rollbacks.Seen);
        Assert.Equal("rb=3", rollbacks.Token);
    }

    [Fact]
    public void CatchUp_RollbackBelowTheCheckpoint_RollsBackToIt_WithTheNewCountInItsToken()
    {
        var rollbacks = Follower("rb=2");

        var e = Assert.Throws<SourceRollbackException>(() => rollbacks.CatchUp(3, 10, new Dictionary<long, long> { [3] = 7 }));

        Assert.Equal((7L, "rb=3", 3L), (e.ToSeq, e.Token, e.Depth));
        Assert.Equal("upstream 'u' rolled back to seq 7 (its rollback 3); worker 'f' had committed up to seq 10", e.Message);
        Assert.Equal(3, rollbacks.Seen);
    }

    [Fact]
    public void CatchUp_SeveralMissed_RollsBackToTheLowestTarget()
    {
        var rollbacks = Follower("rb=2");
        Assert.Equal((3L, 5L), rollbacks.ToRead(5, 10));

        var e = Assert.Throws<SourceRollbackException>(() => rollbacks.CatchUp(5, 10, new Dictionary<long, long> { [3] = 9, [4] = 4, [5] = 8 }));

        Assert.Equal((4L, "rb=5", 6L), (e.ToSeq, e.Token, e.Depth));
        Assert.Equal("upstream 'u' rolled back to seq 4 (the lowest target of its rollbacks 3..5); worker 'f' had committed up to seq 10", e.Message);
    }

    [Fact]
    public void CatchUp_AsManyMissedAsTheLogKeeps_ReadsThemAll()
    {
        var rollbacks = Follower("rb=1");
        var count = 1 + RollbackLog.Kept;
        var targets = Enumerable.Range(2, RollbackLog.Kept).ToDictionary(n => (long)n, n => 50L + n);

        Assert.Equal((2L, (long)count), rollbacks.ToRead(count, 40));
        rollbacks.CatchUp(count, 40, targets);

        Assert.Equal(count, rollbacks.Seen);
    }

    [Fact]
    public void CatchUp_MoreMissedThanTheLogKeeps_Halts_NamingTheUpstreamWhatItSawAndWhatToDo()
    {
        var rollbacks = Follower("rb=4");
        var count = 5 + RollbackLog.Kept;

        Assert.Null(rollbacks.ToRead(count, 10));
        var e = Assert.Throws<SourceHaltException>(() => rollbacks.CatchUp(count, 10, None));

        Assert.Equal(HaltReason.Reorg, e.Reason);
        Assert.Equal(
            $"stream worker 'f' cannot tell how far to roll back: its upstream 'u' rolled back {RollbackLog.Kept + 1} times since the 4 rollbacks 'f' has caught up with (rollbacks 5..{count}), "
            + $"and its rollback log keeps only the last {RollbackLog.Kept}, so which of the events 'f' committed up to seq 10 it took back is unknown; "
            + "rewind 'f' to 0 (overseer rewind f --to 0) so that it reads 'u' again, then resume it",
            e.Message);
        Assert.Equal(4, rollbacks.Seen);
    }

    [Fact]
    public void CatchUp_AMissedRollbackGoneFromTheLog_Halts()
    {
        var rollbacks = Follower("rb=0");

        var e = Assert.Throws<SourceHaltException>(() => rollbacks.CatchUp(3, 10, new Dictionary<long, long> { [2] = 9, [3] = 9 }));

        Assert.Contains("cannot tell how far to roll back", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, rollbacks.Seen);
    }

    [Fact]
    public void CatchUp_UpstreamCountsFewerRollbacksThanSeen_Halts()
    {
        var rollbacks = Follower("rb=5");

        Assert.Null(rollbacks.ToRead(2, 10));
        var e = Assert.Throws<SourceHaltException>(() => rollbacks.CatchUp(2, 10, None));

        Assert.Equal(HaltReason.Reorg, e.Reason);
        Assert.StartsWith("stream worker 'f' has caught up with 5 rollbacks of its upstream 'u', but 'u' now counts 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("overseer rewind f --to 0", e.Message, StringComparison.Ordinal);
    }
}
