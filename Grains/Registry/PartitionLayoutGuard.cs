using Overseer.Outputs;
using Overseer.Redis;
using StackExchange.Redis;

namespace Overseer.Registry;

/// <summary>Refuses a partition count that differs from the one this ServiceId's registry was built with:
/// a worker's partition is its id's hash modulo P, so changing P would orphan registry rows.</summary>
internal static class PartitionLayoutGuard
{
    public static async Task EnsureAsync(IConnectionMultiplexer redis, RedisKeys keys, int partitions)
    {
        var db = redis.GetDatabase();
        await db.HashSetAsync(keys.Meta, "partitions", partitions, When.NotExists).ConfigureAwait(false);
        var stored = (int)await db.HashGetAsync(keys.Meta, "partitions").ConfigureAwait(false);
        if (stored != partitions)
        {
            throw new InvalidOperationException(
                $"Overseer:Partitions is {partitions}, but this ServiceId's registry was created with {stored} partitions; "
                + $"set Overseer:Partitions={stored} (the count is fixed for the life of a ServiceId)");
        }
    }
}
