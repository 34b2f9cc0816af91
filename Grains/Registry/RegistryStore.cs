using System.Text.Json;
using System.Text.Json.Serialization;
using Overseer.Models;
using Overseer.Outputs;
using Overseer.Redis;
using StackExchange.Redis;

namespace Overseer.Registry;

/// <summary>Persists partition registries: one Redis hash per partition, worker id → JSON row (the recipe's DETS).</summary>
internal sealed class RegistryStore(IConnectionMultiplexer redis, RedisKeys keys)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private IDatabase Db => redis.GetDatabase();

    /// <summary>Rows read per HSCAN page on load.</summary>
    internal const int LoadPageSize = 1000;

    /// <summary>Every row of one partition, read in HSCAN pages of <see cref="LoadPageSize"/>, not one HGETALL: a
    /// partition of 125,000 rows (1,000,000 workers over 8 partitions) is a ~50 MB reply, which alone outlasted the
    /// connection's 5 s timeout and held up every other command on the silo's one connection behind it.</summary>
    /// <remarks>HSCAN may return a field twice (the hash rehashed meanwhile); the last one read is kept. Nothing else
    /// writes this hash while its partition activates.</remarks>
    public async Task<List<RegistryEntry>> LoadAsync(int partition)
    {
        var rows = new Dictionary<string, RegistryEntry>(StringComparer.Ordinal);
        await foreach (var page in LoadPagesAsync(partition).ConfigureAwait(false))
        {
            foreach (var entry in page)
            {
                rows[entry.Id] = entry;
            }
        }

        return [.. rows.Values];
    }

    /// <summary>The rows of one partition as they arrive, a page of up to <see cref="LoadPageSize"/> at a time, so that
    /// a caller can act on the first page while the rest are read (a partition restores from its first page). A row may
    /// come twice (see <see cref="LoadAsync"/>): the later one holds.</summary>
    public async IAsyncEnumerable<IReadOnlyList<RegistryEntry>> LoadPagesAsync(int partition)
    {
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        var page = new List<RegistryEntry>(LoadPageSize);
        await foreach (var row in Db.HashScanAsync(keys.Registry(partition), pageSize: LoadPageSize).ConfigureAwait(false))
        {
            if (JsonSerializer.Deserialize<Row>(((ReadOnlyMemory<byte>)row.Value).Span, Json) is { } stored && stored.ToEntry() is var entry)
            {
                // A handful of source kinds over every row: one string each, not one per row (~40 bytes a row).
                var source = sources.TryAdd(entry.Source, entry.Source) ? entry.Source : sources[entry.Source];
                page.Add(ReferenceEquals(source, entry.Source) ? entry : entry.WithSource(source));
                if (page.Count == LoadPageSize)
                {
                    yield return page;
                    page = new List<RegistryEntry>(LoadPageSize);
                }
            }
        }

        if (page.Count > 0)
        {
            yield return page;
        }
    }

    public Task SaveAsync(int partition, IReadOnlyCollection<RegistryEntry> entries)
    {
        if (entries.Count == 0)
        {
            return Task.CompletedTask;
        }

        var fields = entries.Select(e => new HashEntry(e.Id, JsonSerializer.Serialize(Row.Of(e), Json))).ToArray();
        return Db.HashSetAsync(keys.Registry(partition), fields);
    }

    public Task DeleteAsync(int partition, string workerId) => Db.HashDeleteAsync(keys.Registry(partition), workerId);

    /// <summary>A row as stored: its worker's snapshot, its wish and when it was registered (the JSON every version of
    /// Overseer has written).</summary>
    private sealed record Row(WorkerInfo Info, bool WantsRun, DateTimeOffset RegisteredAt)
    {
        public static Row Of(RegistryEntry entry) => new(entry.Info, entry.WantsRun, entry.RegisteredAt);

        public RegistryEntry ToEntry() => new(Info, WantsRun, RegisteredAt);
    }
}
