using Overseer.Errors;
using Overseer.Models;
using Overseer.Sources.Sequence;
using Overseer.Testing;

namespace Overseer.Tests.Grains;

/// <summary>Waiting for worker states and checking event streams exactly.</summary>
internal static class WorkerAssertions
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static Task<WorkerInfo> WaitForStatusAsync(IClusterClient client, string id, WorkerStatus status, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(
            () => client.GetGrain<IWorkerGrain>(id).GetInfoAsync(),
            info => info.Status == status,
            timeout ?? Deadline,
            info => $"worker '{id}' to reach {status}; it is {info.Status} at checkpoint {info.Checkpoint}, restarts {info.Restarts}, last error '{info.LastError}'");

    /// <summary>Every sequence number 1..<paramref name="last"/> exactly once, in order, with its deterministic payload.</summary>
    public static async Task AssertExactlyOnceAsync(IClusterClient client, string id, long last)
    {
        var worker = client.GetGrain<IWorkerGrain>(id);
        var all = new List<WorkerEvent>();
        for (long from = 1; ; from = all[^1].Seq + 1)
        {
            var page = await worker.GetEventsAsync(from, 5000);
            all.AddRange(page);
            if (page.Length < 5000)
            {
                break;
            }
        }

        Assert.True(all.Count == last, $"worker '{id}' has {all.Count} events, expected exactly {last}");
        for (var i = 0; i < all.Count; i++)
        {
            Assert.True(all[i].Seq == i + 1, $"worker '{id}' event #{i} has seq {all[i].Seq}, expected {i + 1} (gap or duplicate)");
            Assert.Equal(SequenceSource.Payload(id, i + 1), all[i].Payload);
        }
    }

    public static async Task<OverseerException> ThrowsOverseerAsync(OverseerErrorCode code, Func<Task> action)
    {
        var ex = await Assert.ThrowsAsync<OverseerException>(action);
        Assert.Equal(code, ex.Code);
        return ex;
    }
}
