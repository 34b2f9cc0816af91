using Overseer.Sources.Evm;

namespace Overseer.Tests.Unit;

/// <summary>The journal of unfinalized blocks an evm worker committed: what it keeps (the blocks above finality and one
/// final anchor, at most <see cref="EvmJournal.Limit"/>), and the token it travels in.</summary>
public sealed class EvmJournalTests
{
    private static (long, string) B(long n) => (n, $"0x{n:x4}");

    [Fact]
    public void Record_KeepsTheBlocksAboveFinality_AndTheNewestFinalOneAsAnchor()
    {
        var journal = EvmJournal.Empty.Record([B(1), B(2), B(3), B(4), B(5)], finalized: 3);

        Assert.Equal([B(3), B(4), B(5)], journal.Entries.ToArray());
        Assert.Equal([B(5), B(6)], journal.Record([B(6)], finalized: 5).Entries.ToArray());
    }

    [Fact]
    public void Record_AllBelowFinality_KeepsOnlyTheNewestAsAnchor()
    {
        Assert.Equal([B(50)], EvmJournal.Empty.Record([.. Enumerable.Range(1, 50).Select(n => B(n))], finalized: 136).Entries.ToArray());
    }

    [Fact]
    public void Record_BeyondTheLimit_DropsTheOldest()
    {
        var journal = EvmJournal.Empty.Record([.. Enumerable.Range(1, EvmJournal.Limit + 10).Select(n => B(n))], finalized: -1);

        Assert.Equal(EvmJournal.Limit, journal.Entries.Length);
        Assert.Equal((B(11), B(EvmJournal.Limit + 10)), (journal.Entries[0], journal.Entries[^1]));
    }

    [Fact]
    public void Record_ABlockNotAfterTheLast_IsRefused()
    {
        var journal = EvmJournal.Empty.Record([B(5)], finalized: -1);

        var refused = Assert.Throws<InvalidOperationException>(() => journal.Record([B(5)], finalized: -1));
        Assert.Equal("evm journal: block 5 recorded after block 5", refused.Message);
    }

    [Fact]
    public void Through_KeepsTheCommonChain()
    {
        Assert.Equal([B(3), B(4)], EvmJournal.Empty.Record([B(3), B(4), B(5), B(6)], finalized: -1).Through(4).Entries.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Token_RoundTrips_AndAnOldTokenHasAnEmptyJournal(bool logsMode)
    {
        var journal = EvmJournal.Empty.Record([B(7), B(8)], finalized: -1);
        var head = logsMode ? EvmPosition.LogsToken(8, "0x0008") : "0x0008";

        var token = EvmPosition.WithJournal(head, journal);
        var (parsed, parsedJournal) = EvmPosition.SplitJournal(token);

        Assert.Equal($"{head}|7:0x0007,8:0x0008", token);
        Assert.Equal(head, parsed);
        Assert.Equal(journal.Entries.ToArray(), parsedJournal.Entries.ToArray());
        Assert.Equal((head, true), (EvmPosition.SplitJournal(head).Token, EvmPosition.SplitJournal(head).Journal.IsEmpty));
        Assert.Equal(head, EvmPosition.WithJournal(head, EvmJournal.Empty));
    }

    [Fact]
    public void Parse_ABadEntry_NamesIt()
    {
        var refused = Assert.Throws<FormatException>(() => EvmPosition.SplitJournal("0xabc|7:0x0007,x"));

        Assert.Equal("invalid evm journal entry 'x' in a source token: expected {block}:{hash}", refused.Message);
    }
}
