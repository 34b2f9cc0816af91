using System.Text.Json;
using System.Text.Json.Serialization;
using Overseer.Sinks;
using StackExchange.Redis;

namespace Overseer.Registry;

/// <summary>Persists partition registries: one Redis hash per partition, worker id → JSON row (the recipe's DETS).</summary>
public sealed class RegistryStore(IConnectionMultiplexer redis, RedisKeys keys)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private IDatabase Db => redis.GetDatabase();

    public async Task<List<RegistryEntry>> LoadAsync(int partition)
    {
        var rows = await Db.HashGetAllAsync(keys.Registry(partition)).ConfigureAwait(false);
        var entries = new List<RegistryEntry>(rows.Length);
        foreach (var row in rows)
        {
            if (JsonSerializer.Deserialize<RegistryEntry>((string)row.Value!, Json) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    public Task SaveAsync(int partition, IReadOnlyCollection<RegistryEntry> entries)
    {
        if (entries.Count == 0)
        {
            return Task.CompletedTask;
        }

        var fields = entries.Select(e => new HashEntry(e.Info.Id, JsonSerializer.Serialize(e, Json))).ToArray();
        return Db.HashSetAsync(keys.Registry(partition), fields);
    }

    public Task DeleteAsync(int partition, string workerId) => Db.HashDeleteAsync(keys.Registry(partition), workerId);
}
