using Overseer.Models;
using Overseer.Registry;

namespace Overseer.Tests.Unit;

/// <summary>The partition's side of the heartbeat delta protocol: when a change is taken, when the whole set is asked for,
/// and which set the partition then hears.</summary>
public sealed class HeartbeatLedgerTests
{
    private const string Silo = "10.0.0.1:11111";

    private static SiloHeartbeat Whole(long sequence, params string[] running) =>
        new(Silo, Incarnation: 7, sequence, Whole: true, [.. running], [], []);

    private static SiloHeartbeat Change(long sequence, string[]? added = null, string[]? removed = null, long incarnation = 7) =>
        new(Silo, incarnation, sequence, Whole: false, [.. added ?? []], [.. removed ?? []], []);

    private static (HeartbeatAnswer Answer, IReadOnlySet<string>? Running) Take(HeartbeatLedger ledger, SiloHeartbeat heartbeat) =>
        ledger.Take(heartbeat, id => id);

    private static string[] Sorted(IReadOnlySet<string>? set) => set is null ? [] : [.. set.Order(StringComparer.Ordinal)];

    /// <summary>The answer and the set heard, as the message left them (the set is the ledger's own, which moves on).</summary>
    private static string Heard(HeartbeatLedger ledger, SiloHeartbeat heartbeat)
    {
        var (answer, running) = Take(ledger, heartbeat);
        return $"{answer} [{string.Join(",", Sorted(running))}]";
    }

    [Fact]
    public void Change_FromASiloNeverHeard_AsksForTheWholeSetAndHearsNobody()
    {
        // A reactivated partition, or a silo new to it: it holds no set to change.
        var ledger = new HeartbeatLedger();

        var (answer, running) = Take(ledger, Change(5, added: ["a"]));

        Assert.Equal(HeartbeatAnswer.WholeSetWanted, answer);
        Assert.Null(running);
        Assert.Empty(ledger.RunningOn(Silo));
    }

    [Fact]
    public void WholeSet_ThenChangesInSequence_HearsTheSetAsChanged()
    {
        var ledger = new HeartbeatLedger();

        var first = Heard(ledger, Whole(1, "a", "b"));
        var second = Heard(ledger, Change(2, added: ["c"], removed: ["a"]));
        var idle = Heard(ledger, Change(3));

        Assert.Equal("Taken [a,b]", first);
        Assert.Equal("Taken [b,c]", second);
        // An empty change still hears the whole set: that is the workers' liveness.
        Assert.Equal("Taken [b,c]", idle);
    }

    [Fact]
    public void Change_AfterAGap_IsNotTaken_AsksForTheWholeSet_UntilItComes()
    {
        var ledger = new HeartbeatLedger();
        Take(ledger, Whole(1, "a", "b"));

        // 2 was lost (it removed "a", say): 3 must not be applied on top of a set that still holds "a".
        var gap = Take(ledger, Change(3, added: ["c"]));
        var next = Take(ledger, Change(4));
        var heardMeanwhile = ledger.RunningOn(Silo).Count;
        var whole = Heard(ledger, Whole(5, "b", "c"));

        Assert.Equal((HeartbeatAnswer.WholeSetWanted, (IReadOnlySet<string>?)null), gap);
        Assert.Equal((HeartbeatAnswer.WholeSetWanted, (IReadOnlySet<string>?)null), next);
        Assert.Equal(0, heardMeanwhile);
        Assert.Equal("Taken [b,c]", whole);
    }

    [Theory]
    [InlineData(2L, false)]
    [InlineData(3L, false)]
    [InlineData(1L, true)]
    public void Message_OlderThanOneTaken_IsStaleAndChangesNothing(long sequence, bool whole)
    {
        var ledger = new HeartbeatLedger();
        Take(ledger, Whole(1, "a"));
        Take(ledger, Change(2, added: ["b"]));
        Take(ledger, Change(3, added: ["c"]));

        // Late, reordered: a removal of "b" sent before it joined, or an old whole set, must not undo what came after.
        var (answer, running) = Take(ledger, whole ? Whole(sequence, "a") : Change(sequence, removed: ["b"]));

        Assert.Equal(HeartbeatAnswer.Stale, answer);
        Assert.Null(running);
        Assert.Equal(new[] { "a", "b", "c" }, Sorted(ledger.RunningOn(Silo)));
    }

    [Fact]
    public void LostMessage_ArrivingAfterTheGapWasNoticed_IsStale()
    {
        var ledger = new HeartbeatLedger();
        Take(ledger, Whole(1, "a"));
        Take(ledger, Change(3));

        var (answer, _) = Take(ledger, Change(2, added: ["b"]));

        Assert.Equal(HeartbeatAnswer.Stale, answer);
    }

    [Fact]
    public void NewIncarnation_OfTheSameAddress_StartsOverFromItsWholeSet()
    {
        // A silo restarted on the same host:port numbers its messages from 1 again.
        var ledger = new HeartbeatLedger();
        Take(ledger, Whole(1, "a"));
        Take(ledger, Change(2));

        var change = Take(ledger, Change(1, added: ["b"], incarnation: 8));
        var heardAfterChange = Sorted(ledger.RunningOn(Silo));
        var whole = Heard(ledger, Whole(2, "b") with { Incarnation = 8 });
        var old = Take(ledger, Change(3, added: ["a"], incarnation: 7));

        Assert.Equal(HeartbeatAnswer.WholeSetWanted, change.Answer);
        Assert.Empty(heardAfterChange);
        Assert.Equal("Taken [b]", whole);
        Assert.Equal(HeartbeatAnswer.Stale, old.Answer);
        Assert.Equal(new[] { "b" }, Sorted(ledger.RunningOn(Silo)));
    }

    [Fact]
    public void SiloDown_ForgetsItsSet_AndAChangeFromItAsksForTheWholeSet()
    {
        var ledger = new HeartbeatLedger();
        Take(ledger, Whole(1, "a"));

        ledger.Forget(Silo);
        var (answer, running) = Take(ledger, Change(2));

        Assert.Equal(HeartbeatAnswer.WholeSetWanted, answer);
        Assert.Null(running);
        Assert.Equal(0, ledger.Silos);
    }

    [Fact]
    public void Silos_AreHeardApart()
    {
        var ledger = new HeartbeatLedger();
        Take(ledger, Whole(1, "a"));
        ledger.Take(new SiloHeartbeat("10.0.0.2:11111", 3, 1, true, ["b"], [], []), id => id);

        var (answer, running) = Take(ledger, Change(2, removed: ["a"]));

        Assert.Equal(HeartbeatAnswer.Taken, answer);
        Assert.Empty(running!);
        Assert.Equal(new[] { "b" }, Sorted(ledger.RunningOn("10.0.0.2:11111")));
    }

    [Fact]
    public void Ids_AreKeptAsTheCanonicalString()
    {
        // The partition passes its row's own id string, so the set holds no copy of an id.
        var ledger = new HeartbeatLedger();
        var row = new string("a".ToCharArray());

        ledger.Take(Whole(1, new string("a".ToCharArray())), _ => row);

        Assert.Same(row, ledger.RunningOn(Silo).Single());
    }
}
