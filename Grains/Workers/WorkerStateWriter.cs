using Orleans.Storage;
using Overseer.Outputs;
using Overseer.Redis;

namespace Overseer.Workers;

/// <summary>Writes one activation's worker state: one write at a time (a gate), transient Redis failures retried through
/// the shared <see cref="StoreRetry"/>, and the one ETag rule.</summary>
/// <remarks>
/// The ETag rule: only the activation that owns the cursor's current generation may write. On a conflict (someone wrote
/// since this activation read: a duplicate activation, a migration that carried a stale ETag, a retried write whose
/// first attempt landed) the writer re-reads the stored state and only then checks ownership — in that order, so a
/// stop or claim that lands between the check and the write changes the ETag again and forces another round. The owner
/// then writes its own state (or, for a user command, re-applies the command to what is stored); a non-owner keeps
/// what is stored and throws <see cref="StaleActivationException"/>. A stop bumps the generation in the same Redis step
/// that records it, so no activation that lost the cursor can overwrite a Stopped state.
/// <para>The gate is for the turns of one activation (every caller runs on its scheduler), not for threads: one field,
/// a shared marker while a write is in progress, a queue once someone waits, nothing while none is — an idle worker
/// holds no semaphore (88 bytes with its lock box, for each of 100,000 idle workers). It is handed on in arrival order: a run loop restarting at once
/// writes back to back, and a gate that fell free between its writes went to the loop again before a waiting command's
/// continuation ran, for as long as the loop went on (a stop waited for ever).</para>
/// <para>Retried by hand, not through a decorator: the writer is already the one door every state write goes through,
/// and each retry wraps a whole conflict round (write, re-read, ownership check, with what this activation means to
/// store carried across attempts), which a decorator of Orleans' <c>IPersistentState</c> could only split into calls.</para>
/// </remarks>
internal sealed class WorkerStateWriter(StoredWorkerState state, CursorOwnership ownership, StoreRetry retry, TimeProvider time)
{
    private const int MaxConflictRounds = 8;
    /// <summary>What holds the gate: null, nobody; <see cref="Held"/>, a write (or re-read); a queue, a write, with the
    /// callers waiting for the gate in arrival order (made on the first wait: an idle worker carries one null field).</summary>
    private object? _gate;

    private static readonly object Held = new();

    /// <summary>Writes <c>state.State</c> as the owner of <paramref name="generation"/>.</summary>
    /// <param name="reapply">For user commands: applied to the stored state after a conflict instead of keeping this
    /// activation's copy (whatever another owner stored is kept, with the command on top).</param>
    public async Task WriteAsync(string workerId, long generation, Action<WorkerState>? reapply, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        try
        {
            // What this activation means to store, held across retries: a retry after a read that replaced state.State
            // must still write this, not what it read.
            var desired = state.State;
            await retry.ExecuteAsync(workerId, async ct => desired = await WriteOnceAsync(workerId, generation, desired, reapply, ct), cancellationToken);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Removes the stored state as the owner of <paramref name="generation"/> (a delete); afterwards
    /// <c>state.State</c> is empty.</summary>
    public async Task ClearAsync(string workerId, long generation, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        try
        {
            await retry.ExecuteAsync(workerId, async ct =>
            {
                for (var round = 0; ; round++)
                {
                    try
                    {
                        await state.ClearStateAsync(ct);
                        return;
                    }
                    catch (InconsistentStateException) when (round < MaxConflictRounds)
                    {
                    }

                    // The same rule as a write: read first, then check ownership.
                    await state.ReadStateAsync(ct);
                    var cursor = await ownership.Binding.Cursors.GetAsync(workerId, ct);
                    if (generation == 0 || cursor.Generation != generation)
                    {
                        throw new StaleActivationException(workerId, generation, cursor.Generation);
                    }
                }
            }, cancellationToken);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Whether this activation has seen every write of the worker's state: re-reads it and compares its ETag
    /// with the one this activation last read or wrote (ETags are unique, never reused). A different one means another
    /// activation has written since, so this one is a stale duplicate (its silo was frozen or cut off, declared dead, and
    /// the worker lives elsewhere now); the stored state is then what <c>state.State</c> holds. On a match this
    /// activation's own copy, with progress not yet written, is kept.</summary>
    /// <remarks>A write of this activation's whose answer was lost reads as another's: the activation steps aside, and the
    /// retry of the command reaches a fresh one. No read when this activation read or wrote the state a moment ago
    /// (<see cref="StoredWorkerState.IsFresh"/>): the first command of a new activation — every fresh start — is the
    /// common case, and the read just made is as current as another would be.</remarks>
    /// <param name="trustRecentRead">False to read whatever this activation read a moment ago: when the store has just
    /// shown something this activation has not seen, a recent read says nothing.</param>
    public async Task<bool> IsCurrentAsync(string workerId, CancellationToken cancellationToken, bool trustRecentRead = true)
    {
        if (trustRecentRead && state.IsFresh && _gate is null)
        {
            return true;
        }

        await EnterAsync(cancellationToken);
        try
        {
            var mine = state.State;
            var etag = state.Etag;
            await retry.ExecuteAsync(workerId, ct => state.ReadStateAsync(ct), cancellationToken);
            if (state.Etag != etag)
            {
                return false;
            }

            state.State = mine;
            return true;
        }
        finally
        {
            Exit();
        }
    }

    private Task EnterAsync(CancellationToken cancellationToken)
    {
        if (_gate is null)
        {
            _gate = Held;
            return Task.CompletedTask;
        }

        return WaitForTurnAsync(cancellationToken);
    }

    /// <summary>In line behind whoever is writing or waiting: the gate is handed on in arrival order (<see cref="Exit"/>),
    /// so a caller that writes back to back (a run loop restarting at once) cannot take it again ahead of a command that
    /// waits for it.</summary>
    private async Task WaitForTurnAsync(CancellationToken cancellationToken)
    {
        var turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_gate is not Queue<TaskCompletionSource> queue)
        {
            _gate = queue = new Queue<TaskCompletionSource>();
        }

        queue.Enqueue(turn);

        // A waiter that gives up is skipped as the gate is handed on; one handed the gate first has it, and gives it on.
        using (cancellationToken.UnsafeRegister(static (t, ct) => ((TaskCompletionSource)t!).TrySetCanceled(ct), turn))
        {
            await turn.Task;
        }
    }

    private void Exit()
    {
        if (_gate is Queue<TaskCompletionSource> queue)
        {
            while (queue.TryDequeue(out var next))
            {
                // Handed on, never free in between: the next in line owns the gate before anyone else can take it.
                if (next.TrySetResult())
                {
                    return;
                }
            }
        }

        _gate = null;
    }

    private async Task<WorkerState> WriteOnceAsync(string workerId, long generation, WorkerState desired, Action<WorkerState>? reapply, CancellationToken cancellationToken)
    {
        for (var round = 0; ; round++)
        {
            state.State = desired;
            desired.UpdatedAt = time.GetUtcNow();
            desired.Writes++;
            desired.Generation = Math.Max(desired.Generation, generation);
            try
            {
                await state.WriteStateAsync(cancellationToken);
                return desired;
            }
            catch (InconsistentStateException) when (round < MaxConflictRounds)
            {
            }

            // Read first, then check ownership: a stop or claim landing in between changes the ETag again.
            await state.ReadStateAsync(cancellationToken);
            var stored = state.State;
            state.State = desired;
            var cursor = await ownership.Binding.Cursors.GetAsync(workerId, cancellationToken);
            if (generation == 0 || cursor.Generation != generation)
            {
                state.State = stored;
                throw new StaleActivationException(workerId, generation, cursor.Generation);
            }

            if (reapply is not null)
            {
                reapply(stored);
                desired = stored;
            }
            else
            {
                desired.Writes = Math.Max(desired.Writes, stored.Writes);
            }
        }
    }
}
