using Overseer.Registry;

namespace Overseer.Tests.Unit;

public sealed class OrderedIdsTests
{
    [Fact]
    public void AddRemoveFrom_RandomSequence_MatchesASortedSetAtEveryStep()
    {
        // Enough ids for many chunks, so that splits, emptied chunks and chunk boundaries are all crossed.
        var random = new Random(20261201);
        var ids = new OrderedIds();
        var expected = new SortedSet<string>(StringComparer.Ordinal);
        for (var step = 0; step < 20_000; step++)
        {
            var id = $"w{random.Next(3_000):0000}";
            if (random.Next(3) == 0)
            {
                Assert.Equal(expected.Remove(id), ids.Remove(id));
            }
            else
            {
                Assert.Equal(expected.Add(id), ids.Add(id));
            }

            Assert.Equal(expected.Count, ids.Count);
            if (step % 500 == 0)
            {
                var from = $"w{random.Next(3_100):0000}";
                Assert.Equal(expected.Where(x => string.CompareOrdinal(x, from) >= 0).Take(700), ids.From(from).Take(700));
                Assert.Equal(expected, ids.From(""));
            }
        }
    }

    [Theory]
    [InlineData("", new[] { "a", "b", "c" })]
    [InlineData("b", new[] { "b", "c" })]
    [InlineData("bb", new[] { "c" })]
    [InlineData("c", new[] { "c" })]
    [InlineData("d", new string[0])]
    public void From_AnyId_StartsAtTheFirstIdNotBeforeIt(string from, string[] expected)
    {
        var ids = new OrderedIds();
        foreach (var id in new[] { "c", "a", "b" })
        {
            ids.Add(id);
        }

        Assert.Equal(expected, ids.From(from));
    }

    [Fact]
    public void AddRange_IntoAnEmptySetAndThenMore_KeepsOneOrderedCopyOfEach()
    {
        var random = new Random(7);
        var first = Enumerable.Range(0, 5_000).Select(_ => $"w{random.Next(4_000):0000}").ToList();
        var more = Enumerable.Range(0, 500).Select(_ => $"w{random.Next(4_100):0000}").ToList();
        var ids = new OrderedIds();

        ids.AddRange(first);
        ids.AddRange(more);
        foreach (var id in first.Take(100))
        {
            ids.Remove(id);
        }

        var expected = new SortedSet<string>(first.Concat(more), StringComparer.Ordinal);
        expected.ExceptWith(first.Take(100));
        Assert.Equal(expected, ids.From(""));
        Assert.Equal(expected.Count, ids.Count);
    }

    [Fact]
    public void From_EmptySet_IsEmpty_AndRemoveIsFalse()
    {
        var ids = new OrderedIds();

        Assert.Empty(ids.From(""));
        Assert.False(ids.Remove("a"));
        Assert.Equal(0, ids.Count);
    }
}
