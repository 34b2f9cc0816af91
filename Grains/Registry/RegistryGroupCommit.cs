namespace Overseer.Registry;

/// <summary>Group commit of the registry rows a partition writes through (a new worker's row, a worker's own start or
/// resume): a row waits for at most the one write already in flight, and every row that arrived meanwhile goes out in
/// the next single write (one HSET of many fields), so a partition's write-through rate is no longer one row per
/// Redis round trip.</summary>
/// <remarks>Durability is unchanged: <see cref="CommitAsync"/> completes only once a write that holds the row (or a
/// newer row for the same worker) has been acknowledged, and fails with that write's error. The first row of an idle
/// committer is written at once, with no added latency. Order is kept: a batch is sent only after the previous one
/// completed, and a newer row for a worker replaces an older one still waiting. Not thread-safe: used only from its
/// partition's activation, whose scheduler runs one piece of it at a time.</remarks>
internal sealed class RegistryGroupCommit(Func<IReadOnlyCollection<RegistryEntry>, Task> save, Action<RegistryEntry> saved)
{
    private Dictionary<string, RegistryEntry> _pending = new(StringComparer.Ordinal);
    private TaskCompletionSource? _next;
    private bool _writing;

    /// <summary>Completes when <paramref name="entry"/> (or a newer row of its worker) is durable.</summary>
    public Task CommitAsync(RegistryEntry entry)
    {
        _pending[entry.Id] = entry;
        _next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var durable = _next.Task;
        if (!_writing)
        {
            _ = WriteAsync();
        }

        return durable;
    }

    private async Task WriteAsync()
    {
        _writing = true;
        try
        {
            while (_next is { } done)
            {
                var batch = _pending;
                _pending = new Dictionary<string, RegistryEntry>(StringComparer.Ordinal);
                _next = null;
                try
                {
                    await save(batch.Values);
                }
                catch (Exception ex)
                {
                    // The rows stay dirty in the slice: the next flush retries them, as it did a failed single write.
                    done.SetException(ex);
                    continue;
                }

                foreach (var entry in batch.Values)
                {
                    saved(entry);
                }

                done.SetResult();
            }
        }
        finally
        {
            _writing = false;
        }
    }
}
