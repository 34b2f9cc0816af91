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
        var at = chunk.BinarySearch(id, StringComparer.Ordinal);
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

    /// <summary>Removes <paramref name="id"/>; false if it was not there.</summary>
    public bool Remove(string id)
    {
        if (_chunks.Count == 0)
        {
            return false;
        }

        var c = ChunkFor(id);
        var chunk = _chunks[c];
        var at = chunk.BinarySearch(id, StringComparer.Ordinal);
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
        var at = _chunks[c].BinarySearch(from, StringComparer.Ordinal);
        for (var i = at >= 0 ? at : ~at; c < _chunks.Count; c++, i = 0)
        {
            var chunk = _chunks[c];
            for (; i < chunk.Count; i++)
            {
                yield return chunk[i];
            }
        }
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
