using System.Globalization;
using Overseer.Models;
using Overseer.Registry;
using Overseer.Outputs;
using Overseer.Redis;
using StackExchange.Redis;

namespace Overseer.Bench.Suite;

/// <summary>Registers workers for the <c>views</c> scenario by writing their registry rows straight into Redis, through
/// the silo's own <see cref="RegistryStore"/> (so the rows are byte for byte what a partition writes) into the
/// partition <see cref="WorkerPartitioner"/> gives each id. Every row is a finished worker — completed, stopped or
/// failed — so a silo that loads them restores nothing and runs nothing.</summary>
/// <remarks>Starting a million real workers through the manager would take about six minutes on this machine (starts
/// run at ~2,700/s) and measure the starts, not the views; a partition only ever reads its rows back from this hash.</remarks>
internal static class RegistrySeeder
{
    /// <summary>Ids are <c>t{tenant}-w{n}</c>: the prefix <c>t07-</c> selects one in <see cref="Tenants"/>.</summary>
    public const int Tenants = 50;

    private const int Batch = 2_000;
    private const int InFlight = 8;

    public static string IdOf(int i) => string.Create(CultureInfo.InvariantCulture, $"t{i % Tenants:00}-w{i:0000000}");

    /// <summary>60 % completed, 25 % stopped, 15 % failed (with an error message), spread evenly over ids.</summary>
    public static WorkerStatus StatusOf(int i) => (i % 20) switch
    {
        < 12 => WorkerStatus.Completed,
        < 17 => WorkerStatus.Stopped,
        _ => WorkerStatus.Failed,
    };

    /// <summary>Writes <paramref name="count"/> rows, a few batches (one HSET each) in flight; rows are made as the
    /// batches are written, so the bench never holds them all.</summary>
    public static Task SeedAsync(IConnectionMultiplexer redis, string serviceId, int count, int partitions, CancellationToken cancellationToken)
    {
        var store = new RegistryStore(redis, new RedisKeys(serviceId));
        return Parallel.ForEachAsync(
            Batches(count, partitions, DateTimeOffset.UtcNow),
            new ParallelOptions { MaxDegreeOfParallelism = InFlight, CancellationToken = cancellationToken },
            async (batch, _) => await store.SaveAsync(batch.Partition, batch.Rows));
    }

    private static IEnumerable<(int Partition, RegistryEntry[] Rows)> Batches(int count, int partitions, DateTimeOffset now)
    {
        var byPartition = Enumerable.Range(0, partitions).Select(_ => new List<RegistryEntry>(Batch)).ToArray();
        for (var i = 0; i < count; i++)
        {
            var row = RowOf(i, now);
            var partition = WorkerPartitioner.PartitionOf(row.Info.Id, partitions);
            var rows = byPartition[partition];
            rows.Add(row);
            if (rows.Count == Batch)
            {
                yield return (partition, [.. rows]);
                rows.Clear();
            }
        }

        for (var p = 0; p < partitions; p++)
        {
            if (byPartition[p].Count > 0)
            {
                yield return (p, [.. byPartition[p]]);
            }
        }
    }

    private static RegistryEntry RowOf(int i, DateTimeOffset now)
    {
        var id = IdOf(i);
        var status = StatusOf(i);
        var checkpoint = 1_000 + (i % 100_000);
        var info = new WorkerInfo
        {
            Id = id,
            Status = status,
            Source = "sequence",
            Checkpoint = checkpoint,
            Restarts = i % 4,
            Restart = RestartPolicy.Transient,
            LastError = status == WorkerStatus.Failed
                ? $"sequence source of '{id}' failed as configured (failAfter={checkpoint}) at checkpoint {checkpoint}"
                : null,
            UpdatedAt = now.AddSeconds(-(i % 86_400)),
            Version = 3 + (i % 7),
        };
        return new RegistryEntry(info, WantsRun: status != WorkerStatus.Stopped, RegisteredAt: now.AddDays(-1).AddSeconds(i % 86_400));
    }
}
