using System.Runtime.InteropServices;

namespace Overseer.Registry;

/// <summary>A set of worker ids in ordinal order that can be read from any id on: a sorted list of sorted chunks of at
/// most <see cref="ChunkSize"/> ids. Adding or removing an id is a binary search over the chunks, one within the
/// chunk and a shift of at most a chunk; reading a page from an id costs the page, whatever the set's size.</summary>
/// <remarks>Written here rather than taken from the BCL because <see cref="SortedSet{T}"/> has no cheap way to start
/// from an id: <c>GetViewBetween</c> counts every element of the view when it is made (TreeSubSet.VersionCheckImpl),
/// so each registry page walked the whole partition — 125,000 ids per page with 1,000,000 workers.
/// Not thread-safe.</remarks>
internal sealed class OrderedIds
{
    /// <summary>The most ids in one chunk; a full chunk splits in two.</summary>
    public const int ChunkSize = 512;

    private readonly List<List<string>> _chunks = [];

    public int Count { get; private set; }

    /// <summary>Adds <paramref name="id"/>; false if it was already there.</summary>
    public bool Add(string id)
    {
        if (_chunks.Count == 0)
        {
            _chunks.Add([id]);
            Count++;
            return true;
        }

        var c = ChunkFor(id);
        var chunk = _chunks[c];
        var at = Search(chunk, id);
        if (at >= 0)
        {
            return false;
        }

        chunk.Insert(~at, id);
        Count++;
        if (chunk.Count > ChunkSize)
        {
            var half = chunk.Count / 2;
            _chunks.Insert(c + 1, chunk.GetRange(half, chunk.Count - half));
            chunk.RemoveRange(half, chunk.Count - half);
        }

        return true;
    }

    /// <summary>Adds every id of <paramref name="ids"/>. Into an empty set (a partition loading its rows) they are
    /// sorted once and cut into half-full chunks, which leaves room to add without splitting at once; otherwise one
    /// by one.</summary>
    public void AddRange(IEnumerable<string> ids)
    {
        if (Count > 0)
        {
            foreach (var id in ids)
            {
                Add(id);
            }

            return;
        }

        var sorted = ids.ToArray();
        Array.Sort(sorted, StringComparer.Ordinal);
        var unique = new List<string>(sorted.Length);
        foreach (var id in sorted)
        {
            if (unique.Count == 0 || !string.Equals(unique[^1], id, StringComparison.Ordinal))
            {
                unique.Add(id);
            }
        }

        for (var at = 0; at < unique.Count; at += ChunkSize / 2)
        {
            var chunk = new List<string>(ChunkSize + 1);
            chunk.AddRange(unique.Skip(at).Take(ChunkSize / 2));
            _chunks.Add(chunk);
        }

        Count = unique.Count;
    }

    /// <summary>Removes <paramref name="id"/>; false if it was not there.</summary>
    public bool Remove(string id)
    {
        if (_chunks.Count == 0)
        {
            return false;
        }

        var c = ChunkFor(id);
        var chunk = _chunks[c];
        var at = Search(chunk, id);
        if (at < 0)
        {
            return false;
        }

        chunk.RemoveAt(at);
        Count--;
        if (chunk.Count == 0)
        {
            _chunks.RemoveAt(c);
        }

        return true;
    }

    /// <summary>The ids from <paramref name="from"/> (inclusive) on, in order. The set must not change while this is
    /// enumerated.</summary>
    public IEnumerable<string> From(string from)
    {
        if (_chunks.Count == 0)
        {
            yield break;
        }

        var c = ChunkFor(from);
        var at = Search(_chunks[c], from);
        for (var i = at >= 0 ? at : ~at; c < _chunks.Count; c++, i = 0)
        {
            var chunk = _chunks[c];
            for (; i < chunk.Count; i++)
            {
                yield return chunk[i];
            }
        }
    }

    /// <summary>The index of <paramref name="id"/> in <paramref name="chunk"/>, or the complement of where it would go
    /// (as <see cref="List{T}.BinarySearch(T)"/>), comparing ordinally without a comparer's interface calls.</summary>
    private static int Search(List<string> chunk, string id)
    {
        var span = CollectionsMarshal.AsSpan(chunk);
        var (lo, hi) = (0, span.Length - 1);
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) / 2);
            var order = string.CompareOrdinal(span[mid], id);
            if (order == 0)
            {
                return mid;
            }

            if (order < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return ~lo;
    }

    /// <summary>The chunk that holds <paramref name="id"/>, or would: the last one whose first id is not after it
    /// (the first chunk for an id before every other).</summary>
    private int ChunkFor(string id)
    {
        var (lo, hi) = (0, _chunks.Count - 1);
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (string.CompareOrdinal(_chunks[mid][0], id) <= 0)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return lo;
    }
}
