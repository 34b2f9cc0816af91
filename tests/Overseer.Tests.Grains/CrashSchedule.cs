using Overseer.Models;
using Overseer.Sources.Sequence;
using Overseer.Testing;
using static Overseer.Tests.Grains.WorkerAssertions;

namespace Overseer.Tests.Grains;

/// <summary>Workers that commit and crash on a fixed schedule while a store fault happens, and the exact outcome the
/// schedule fixes: a fault is an outage, never a crash, so it adds no restart and loses or repeats no event.</summary>
/// <remarks>Each run crashes after 100 events (100, 200, …, 900); the tenth reaches the limit of 1000: exactly 9
/// restarts. A store found behind after a failover resumes the run from the store without counting one (a run of 100
/// from wherever the store is keeps the count at 9). 100 fetches of 10 at 40 ms make a run of several seconds.</remarks>
internal static class CrashSchedule
{
    public const long Limit = 1000;

    public const int ExpectedRestarts = 9;

    /// <summary>The fault comes once every worker has committed this much: well before the end, so it lands mid-run for all.</summary>
    public const long FaultAfter = 150;

    /// <summary>SupervisionLoop.Log.StoreBehind: the worker found the store behind what it had committed.</summary>
    public const int StoreBehindEventId = 15;

    public static readonly TimeSpan EndDeadline = TimeSpan.FromSeconds(40);

    public static WorkerSpec Spec { get; } =
        WorkerSpec.For(SequenceSourceFactory.Kind, ("limit", $"{Limit}"), ("failAfter", "100"), ("batch", "10"), ("delayMs", "40"))
            with { MaxRestarts = 100, RestartWindow = TimeSpan.FromSeconds(60) };

    /// <summary>Waits until every worker has committed <see cref="FaultAfter"/> events.</summary>
    public static Task<WorkerInfo[]> ReadyForTheFaultAsync(IClusterClient client, IReadOnlyList<string> ids) =>
        Eventually.UntilAsync(
            () => InfosAsync(client, ids),
            all => all.All(i => i.Checkpoint >= FaultAfter),
            EndDeadline,
            all => $"before the fault: every worker to commit {FaultAfter} events; {Describe(all)}");

    public static Task<WorkerInfo[]> InfosAsync(IClusterClient client, IReadOnlyList<string> ids) =>
        Task.WhenAll(ids.Select(id => client.GetGrain<IWorkerGrain>(id).GetInfoAsync()));

    /// <summary>Waits until every worker has ended (completed, failed or stopped) and returns how.</summary>
    public static Task<WorkerInfo[]> EndedAsync(IClusterClient client, IReadOnlyList<string> ids, string phase) =>
        Task.WhenAll(ids.Select(id => Eventually.UntilAsync(
            () => client.GetGrain<IWorkerGrain>(id).GetInfoAsync(),
            i => i.Status is WorkerStatus.Completed or WorkerStatus.Failed or WorkerStatus.Stopped,
            EndDeadline,
            i => $"{phase}: worker '{id}' to end; it is {i.Status} at checkpoint {i.Checkpoint}, restarts {i.Restarts}, last error '{i.LastError}'")));

    /// <summary>Every worker completed with exactly its scheduled restarts, and holds every event once.</summary>
    public static async Task AssertUnhurtAsync(IClusterClient client, WorkerInfo[] ended, string fault)
    {
        var wrong = ended.Where(i => i.Status != WorkerStatus.Completed || i.Restarts != ExpectedRestarts || i.Checkpoint != Limit)
            .Select(i => $"'{i.Id}': {i.Status} at {i.Checkpoint}, restarts {i.Restarts} (expected Completed at {Limit} with {ExpectedRestarts}), last error '{i.LastError}'")
            .ToArray();
        Assert.True(wrong.Length == 0, $"{wrong.Length} of {ended.Length} workers were hurt by {fault}:{Environment.NewLine}{string.Join(Environment.NewLine, wrong)}");
        foreach (var info in ended)
        {
            await AssertExactlyOnceAsync(client, info.Id, Limit);
        }
    }

    public static string Describe(IEnumerable<WorkerInfo> all) =>
        string.Join("; ", all.Select(i => $"'{i.Id}' {i.Status} at {i.Checkpoint}, restarts {i.Restarts}"));

    public static string Checkpoints(IEnumerable<WorkerInfo> all) => $"[{string.Join(' ', all.Select(i => i.Checkpoint))}]";
}
