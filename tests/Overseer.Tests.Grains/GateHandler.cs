using System.Collections.Concurrent;
using Overseer.Handlers;

namespace Overseer.Tests.Grains;

/// <summary>A stream handler for tests that can hold a worker's batch between its read and its commit: payloads pass
/// unchanged, but while a test holds the worker (<see cref="Hold"/>) its next batch waits in <c>TransformAsync</c> —
/// read from its source, not committed — until <see cref="Release"/>. Lets a test change the world (a reorg) between
/// what a worker read and what it commits, without a sleep.</summary>
public sealed class GateHandler : IStreamHandler
{
    public const string Name = "gate";

    // Static: the silos of an in-process cluster create their own handler instances, and a test holds a worker wherever it runs.
    private static readonly ConcurrentDictionary<string, Gate> Gates = new(StringComparer.Ordinal);

    /// <summary>Holds <paramref name="workerId"/>'s next batch until <see cref="Release"/>.</summary>
    public static void Hold(string workerId) => Gates[workerId] = new Gate();

    /// <summary>The seqs of the batch held, once one is.</summary>
    public static Task<long[]> HeldAsync(string workerId) => Gates[workerId].Held.Task;

    /// <summary>Lets the held batch (and every later one) through.</summary>
    public static void Release(string workerId)
    {
        if (Gates.TryRemove(workerId, out var gate))
        {
            gate.Released.TrySetResult();
        }
    }

    public async ValueTask<IReadOnlyList<string>> TransformAsync(HandlerBatch batch, CancellationToken cancellationToken)
    {
        if (Gates.TryGetValue(batch.WorkerId, out var gate))
        {
            gate.Held.TrySetResult([.. batch.Events.Select(e => e.Seq)]);
            await gate.Released.Task.WaitAsync(cancellationToken);
        }

        return [.. batch.Events.Select(e => e.Payload)];
    }

    private sealed class Gate
    {
        public TaskCompletionSource<long[]> Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
