using Orleans.Storage;
using Overseer.Sinks;

namespace Overseer.Workers;

/// <summary>Writes one activation's worker state: one write at a time (a gate), transient Redis failures retried through
/// the shared <see cref="RedisRetry"/>, and the one ETag rule.</summary>
/// <remarks>
/// The ETag rule: only the activation that owns the cursor's current generation may write. On a conflict (someone wrote
/// since this activation read: a duplicate activation, a migration that carried a stale ETag, a retried write whose
/// first attempt landed) the writer re-reads the stored state and only then checks ownership — in that order, so a
/// stop or claim that lands between the check and the write changes the ETag again and forces another round. The owner
/// then writes its own state (or, for a user command, re-applies the command to what is stored); a non-owner keeps
/// what is stored and throws <see cref="StaleActivationException"/>. A stop bumps the generation in the same Redis step
/// that records it, so no activation that lost the cursor can overwrite a Stopped state.
/// </remarks>
internal sealed class WorkerStateWriter(IPersistentState<WorkerState> state, IEventSink sink, RedisRetry retry, TimeProvider time)
{
    private const int MaxConflictRounds = 8;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Writes <c>state.State</c> as the owner of <paramref name="generation"/>.</summary>
    /// <param name="reapply">For user commands: applied to the stored state after a conflict instead of keeping this
    /// activation's copy (whatever another owner stored is kept, with the command on top).</param>
    public async Task WriteAsync(string workerId, long generation, Action<WorkerState>? reapply, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await retry.ExecuteAsync(workerId, ct => WriteOnceAsync(workerId, generation, reapply, ct), cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task WriteOnceAsync(string workerId, long generation, Action<WorkerState>? reapply, CancellationToken cancellationToken)
    {
        for (var round = 0; ; round++)
        {
            var mine = state.State;
            mine.UpdatedAt = time.GetUtcNow();
            mine.Writes++;
            mine.Generation = Math.Max(mine.Generation, generation);
            try
            {
                await state.WriteStateAsync(cancellationToken);
                return;
            }
            catch (InconsistentStateException) when (round < MaxConflictRounds)
            {
            }

            await state.ReadStateAsync(cancellationToken);
            var cursor = await sink.GetCursorAsync(workerId, cancellationToken);
            if (generation == 0 || cursor.Generation != generation)
            {
                throw new StaleActivationException(workerId, generation, cursor.Generation);
            }

            var stored = state.State;
            if (reapply is not null)
            {
                reapply(stored);
            }
            else
            {
                mine.Writes = Math.Max(mine.Writes, stored.Writes);
                state.State = mine;
            }
        }
    }
}
