using Overseer.Models;
using Overseer.Workers;

namespace Overseer.Tests.Unit;

/// <summary>The silo's side of the heartbeat delta protocol: what each message carries, and when the whole set goes again.</summary>
public sealed class HeartbeatChannelTests
{
    private static HeartbeatChannel.Draft? Next(HeartbeatChannel channel, params string[] running)
    {
        var set = new HashSet<string>(running, StringComparer.Ordinal);
        return channel.Next(set, set.Contains);
    }

    private static HeartbeatChannel Settled(params string[] running)
    {
        var channel = new HeartbeatChannel();
        Next(channel, running);
        channel.Answered(HeartbeatAnswer.Taken);
        return channel;
    }

    [Fact]
    public void First_IsTheWholeSet_NumberedOne()
    {
        var channel = new HeartbeatChannel();
        channel.Touch("a");

        var draft = Next(channel, "a", "b");

        Assert.NotNull(draft);
        Assert.Equal((1L, true), (draft.Sequence, draft.Whole));
        Assert.Equal(new[] { "a", "b" }, draft.Added.Order(StringComparer.Ordinal));
        Assert.Empty(draft.Removed);
    }

    [Fact]
    public void Idle_SendsAnEmptyChangeEachInterval_NotTheSet()
    {
        var channel = Settled("a", "b");

        var draft = Next(channel, "a", "b");

        Assert.NotNull(draft);
        Assert.Equal((2L, false), (draft.Sequence, draft.Whole));
        Assert.Empty(draft.Added);
        Assert.Empty(draft.Removed);
    }

    [Fact]
    public void Change_NamesWhoJoinedAndWhoLeft_AsTheyAreNow()
    {
        var channel = Settled("a", "b");
        channel.Touch("c");
        channel.Touch("a");
        // Left and came back within the interval: joined, as far as the partition must know.
        channel.Touch("b");

        var draft = Next(channel, "b", "c");

        Assert.NotNull(draft);
        Assert.False(draft.Whole);
        Assert.Equal(new[] { "b", "c" }, draft.Added.Order(StringComparer.Ordinal));
        Assert.Equal(new[] { "a" }, draft.Removed);
    }

    [Fact]
    public void EmptySet_TheLastOneLeft_SaysSoOnce_ThenNothing()
    {
        var channel = Settled("a");
        channel.Touch("a");

        var leaving = Next(channel);
        channel.Answered(HeartbeatAnswer.Taken);
        var after = Next(channel);

        Assert.NotNull(leaving);
        Assert.Equal(new[] { "a" }, leaving.Removed);
        Assert.Null(after);
    }

    [Theory]
    [InlineData(HeartbeatAnswer.WholeSetWanted)]
    [InlineData(HeartbeatAnswer.Stale)]
    public void Answer_OtherThanTaken_SendsTheWholeSetNext_InSequence(HeartbeatAnswer answer)
    {
        var channel = Settled("a");
        channel.Touch("b");
        Next(channel, "a", "b");

        channel.Answered(answer);
        var draft = Next(channel, "a", "b");

        Assert.NotNull(draft);
        Assert.Equal((3L, true), (draft.Sequence, draft.Whole));
        Assert.Equal(new[] { "a", "b" }, draft.Added.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void UnknownFate_SendsTheWholeSetNext_EvenWhenItIsEmpty()
    {
        // The lost message may have named "a" as running; only a whole set (here empty) undoes that.
        var channel = Settled("a");
        channel.Touch("a");
        Next(channel);

        channel.Failed();
        var draft = Next(channel);

        Assert.NotNull(draft);
        Assert.True(draft.Whole);
        Assert.Empty(draft.Added);
    }

    [Fact]
    public void Changes_OfAMessageWhoseFateIsUnknown_AreInTheWholeSetThatFollows()
    {
        var channel = Settled("a");
        channel.Touch("b");
        Next(channel, "a", "b");
        channel.Failed();
        channel.Touch("c");

        var draft = Next(channel, "a", "b", "c");
        channel.Answered(HeartbeatAnswer.Taken);
        var after = Next(channel, "a", "b", "c");

        Assert.Equal(new[] { "a", "b", "c" }, draft!.Added.Order(StringComparer.Ordinal));
        // The touches were sent in the whole set: the next change is empty.
        Assert.Empty(after!.Added);
        Assert.Empty(after.Removed);
    }
}
