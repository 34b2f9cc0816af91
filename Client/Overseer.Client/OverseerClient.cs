using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Overseer.Errors;
using Overseer.Models;

namespace Overseer.Client;

/// <summary>The typed entry point to an Overseer cluster: one method per operation. Ids are checked here
/// (early, friendly errors); the grains remain authoritative.</summary>
/// <remarks>Refusals surface as <see cref="OverseerException"/> (so does a fault inside the cluster, as
/// <see cref="OverseerErrorCode.Internal"/>); a cluster that cannot be reached, or whose store (Redis) cannot, as
/// <see cref="ClusterUnreachableException"/>. A call that fails in transport (its gateway unreachable, the silo
/// behind it just crashed, no answer in time) or that the cluster answers with <see cref="OverseerErrorCode.Unavailable"/>
/// is retried through another gateway until <see cref="OverseerClientOptions.CallTimeout"/> has passed; only then does it
/// surface.</remarks>
public sealed partial class OverseerClient
{
    /// <summary>Rows requested per <see cref="IManagerGrain.ListAsync"/> call.</summary>
    public const int ListPageSize = 1000;

    /// <summary>Events requested per <see cref="IWorkerGrain.GetEventsAsync"/> call.</summary>
    public const int EventsPageSize = 5000;

    /// <summary>The most workers <see cref="GetSlowestAsync"/> returns.</summary>
    public const int MaxSlowest = 1000;

    private static readonly TimeSpan WaitPollInterval = TimeSpan.FromMilliseconds(100);

    private readonly IClusterClient client;
    private readonly CallRetry retry;
    private readonly TimeSpan attemptTimeout;

    /// <summary>Orleans' default response timeout, for a client whose messaging options cannot be read.</summary>
    private static readonly TimeSpan DefaultAttemptTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A client over an already connected <paramref name="client"/>; a call that fails in transport is
    /// retried for <see cref="OverseerClientOptions.DefaultCallTimeout"/>. <c>AddOverseerClient</c> registers one
    /// that uses the configured <see cref="OverseerClientOptions.CallTimeout"/> instead.</summary>
    public OverseerClient(IClusterClient client)
        : this(client, CallRetry.Default, OverseerClientOptions.DefaultActor)
    {
    }

    internal OverseerClient(IClusterClient client, CallRetry retry, string actor)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(retry);
        this.client = client;
        this.retry = retry;
        Actor = actor;
        attemptTimeout = (client.ServiceProvider.GetService(typeof(IOptions<ClientMessagingOptions>)) as IOptions<ClientMessagingOptions>)?.Value.ResponseTimeout
            ?? DefaultAttemptTimeout;
    }

    /// <summary>Who this client says it is in the audit stream (<see cref="OverseerClientOptions.Actor"/>).</summary>
    public string Actor { get; }

    private IManagerGrain Manager => client.GetGrain<IManagerGrain>(0);

    /// <summary>Starts a worker, or returns it unchanged if it already runs with an identical spec.</summary>
    public Task<WorkerInfo> StartAsync(string id, WorkerSpec spec, CancellationToken cancellationToken = default)
    {
        ValidateId(id);
        ArgumentNullException.ThrowIfNull(spec);
        return CallAsync(() => Manager.StartAsync(id, spec, cancellationToken), cancellationToken);
    }

    /// <summary>Starts a worker with an explicit answer to a full running-worker pool: <see cref="StartMode.Queue"/>
    /// returns it <see cref="WorkerStatus.Pending"/> (queued, first in first out); <see cref="StartMode.Try"/> refuses
    /// with <see cref="OverseerErrorCode.PoolFull"/> and changes nothing (Poolboy's non-blocking checkout).</summary>
    public Task<WorkerInfo> StartAsync(string id, WorkerSpec spec, StartMode mode, CancellationToken cancellationToken = default)
    {
        ValidateId(id);
        ArgumentNullException.ThrowIfNull(spec);
        return CallAsync(() => Manager.StartAsync(id, spec, mode, cancellationToken), cancellationToken);
    }

    /// <summary>Starts a worker and waits up to <paramref name="wait"/> for it to get a slot of the running-worker pool
    /// (Poolboy's blocking checkout). Returns once it is no longer <see cref="WorkerStatus.Pending"/>.</summary>
    /// <exception cref="OverseerException">With <see cref="OverseerErrorCode.PoolFull"/> when it is still pending at the
    /// deadline; it stays queued and runs when a slot frees (stop it to withdraw).</exception>
    public async Task<WorkerInfo> StartAndWaitAsync(string id, WorkerSpec spec, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        if (wait < TimeSpan.Zero)
        {
            throw OverseerException.Invalid($"invalid wait {wait.TotalSeconds} s: expected 0 or more seconds");
        }

        var deadline = DateTimeOffset.UtcNow + wait;
        var info = await StartAsync(id, spec, StartMode.Queue, cancellationToken);
        while (info.Status == WorkerStatus.Pending)
        {
            var left = deadline - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw OverseerException.PoolFull(
                    $"pool full: worker '{id}' is still pending after {wait.TotalSeconds:0.###} s (every running-worker slot is held); "
                    + "it stays queued and starts when a slot frees — stop it to withdraw");
            }

            await Task.Delay(left < WaitPollInterval ? left : WaitPollInterval, cancellationToken);
            info = await GetStatusAsync(id, cancellationToken);
        }

        return info;
    }

    /// <summary>Stops a worker; it stays stopped until resumed.</summary>
    public Task<WorkerInfo> StopAsync(string id, CancellationToken cancellationToken = default)
    {
        ValidateId(id);
        return CallAsync(() => Manager.StopAsync(id, cancellationToken), cancellationToken);
    }

    /// <summary>Puts a stopped, completed or failed worker back to work.</summary>
    public Task<WorkerInfo> ResumeAsync(string id, CancellationToken cancellationToken = default)
    {
        ValidateId(id);
        return CallAsync(() => Manager.ResumeAsync(id, cancellationToken), cancellationToken);
    }

    /// <summary>Forgets a worker: stops it (fenced like a stop), then removes its registry row, pool slot or queue place,
    /// state, cursor and, unless <paramref name="keepEvents"/>, its events. A start with the same id then begins at seq 1.
    /// Recorded in the audit stream.</summary>
    /// <exception cref="OverseerException">With <see cref="OverseerErrorCode.UnknownWorker"/> when nothing has this id.</exception>
    public Task<DeleteResult> DeleteAsync(string id, bool keepEvents = false, CancellationToken cancellationToken = default)
    {
        ValidateId(id);
        return CommandAsync(
            () => Manager.DeleteAsync(id, keepEvents, Actor, cancellationToken),
            // The attempt whose answer was lost deleted it.
            refused => Task.FromResult(refused.Code == OverseerErrorCode.UnknownWorker ? new DeleteResult(id, 0, 0, keepEvents) : null),
            cancellationToken);
    }

    /// <summary>Deletes many workers, <paramref name="parallelism"/> at a time, reporting progress after each one. Ids that
    /// are unknown or refused are counted and listed, not fatal; a cluster that cannot be reached is.</summary>
    public async Task<BulkDeleteResult> DeleteManyAsync(
        IReadOnlyCollection<string> ids,
        bool keepEvents = false,
        IProgress<BulkDeleteResult>? progress = null,
        int parallelism = 16,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (parallelism is < 1 or > 256)
        {
            throw OverseerException.Invalid($"invalid parallelism {parallelism}: expected 1..256");
        }

        foreach (var id in ids)
        {
            ValidateId(id);
        }

        var gate = new object();
        var deleted = 0;
        var events = 0L;
        var refused = ImmutableArray.CreateBuilder<string>();
        BulkDeleteResult Snapshot() => new(ids.Count, deleted, events, refused.ToImmutable());
        await Parallel.ForEachAsync(
            ids,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (id, ct) =>
            {
                BulkDeleteResult snapshot;
                try
                {
                    var result = await DeleteAsync(id, keepEvents, ct);
                    lock (gate)
                    {
                        deleted++;
                        events += result.EventsRemoved;
                        snapshot = Snapshot();
                    }
                }
                catch (OverseerException e)
                {
                    lock (gate)
                    {
                        refused.Add($"{id}: {e.Message}");
                        snapshot = Snapshot();
                    }
                }

                progress?.Report(snapshot);
            });
        return Snapshot();
    }

    /// <summary>The ids of registered workers whose id starts with <paramref name="prefix"/>, in id order.</summary>
    public async Task<IReadOnlyList<string>> ListIdsAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var ids = new List<string>();
        await foreach (var info in ListAsync(prefix: prefix, cancellationToken: cancellationToken))
        {
            ids.Add(info.Id);
        }

        return ids;
    }

    /// <summary>Re-indexes a worker from <paramref name="toSeq"/> (0 = from the start): it is stopped and fenced, its
    /// events after <paramref name="toSeq"/> removed, its checkpoint (and source token) set there, and it is started again
    /// if it was running. Recorded in the audit stream.</summary>
    /// <exception cref="OverseerException"><see cref="OverseerErrorCode.InvalidArgument"/> when <paramref name="toSeq"/>
    /// is beyond the checkpoint, <see cref="OverseerErrorCode.UnknownWorker"/> for an unknown id; nothing changes.</exception>
    public Task<RewindResult> RewindAsync(string id, long toSeq, CancellationToken cancellationToken = default)
    {
        ValidateId(id);
        if (toSeq < 0)
        {
            throw OverseerException.Invalid($"invalid seq {toSeq}: expected 0 (from the start) up to the worker's checkpoint");
        }

        return CallAsync(() => Manager.RewindAsync(id, toSeq, Actor, cancellationToken), cancellationToken);
    }

    /// <summary>Passes the poison event a halted worker stopped at, without its effects, and resumes the worker: fenced and
    /// committed once. Recorded in the audit stream.</summary>
    /// <param name="seq">The seq it halted at, as a guard; null = whichever it halted at.</param>
    /// <exception cref="OverseerException"><see cref="OverseerErrorCode.Conflict"/> when the worker is not halted at a
    /// poison event or its output cannot pass events; nothing changes.</exception>
    public async Task<WorkerInfo> SkipAsync(string id, long? seq = null, CancellationToken cancellationToken = default)
    {
        ValidateId(id);
        if (seq < 1)
        {
            throw OverseerException.Invalid($"invalid seq {seq}: expected the seq the worker halted at (1 or more), or none");
        }

        // The seq is pinned before the first attempt, so that a retry passes no event but the one this call meant: the
        // first attempt's answer may be lost after it passed the event and the worker, resumed, halted at the next bad
        // one; "whichever it halted at" would then pass that one too, an event no one decided to lose.
        var pinned = seq ?? ((await GetStatusAsync(id, cancellationToken)).Halt is { Reason: HaltReason.PoisonEvent } halt ? halt.Seq : null);
        return await CommandAsync(
            () => Manager.SkipAsync(id, pinned, Actor, cancellationToken),
            async refused => pinned is { } passed && await client.GetGrain<IWorkerGrain>(id).GetInfoAsync(cancellationToken) is { } now && now.Checkpoint >= passed
                ? now
                : null,
            cancellationToken,
            // Not halted at a poison event when asked: nothing is pinned, so nothing is sent twice.
            retryable: pinned is not null);
    }

    /// <summary>Runs the worker's handler again on its dead letter <paramref name="seq"/>, in the worker's commit order and
    /// once, and removes it. Recorded in the audit stream.</summary>
    /// <exception cref="OverseerException"><see cref="OverseerErrorCode.Conflict"/> when the handler fails again (the dead
    /// letter stays, with one more attempt); <see cref="OverseerErrorCode.InvalidArgument"/> when there is no such dead letter.</exception>
    public Task<DeadLetter> ReplayAsync(string id, long seq, CancellationToken cancellationToken = default)
    {
        ValidateId(id);
        return CommandAsync(() => Manager.ReplayAsync(id, seq, Actor, cancellationToken), NotKnownToBeDone<DeadLetter>, cancellationToken);
    }

    /// <summary>Removes the worker's dead letter <paramref name="seq"/> without replaying it. Recorded in the audit stream.</summary>
    public Task<WorkerInfo> DiscardAsync(string id, long seq, CancellationToken cancellationToken = default)
    {
        ValidateId(id);
        return CommandAsync(() => Manager.DiscardAsync(id, seq, Actor, cancellationToken), NotKnownToBeDone<WorkerInfo>, cancellationToken);
    }

    /// <summary>Dead letters of worker <paramref name="id"/> (null: of every worker), ordered by worker then seq, fetched a
    /// page at a time as the caller enumerates.</summary>
    /// <param name="limit">At most this many; null = all.</param>
    public IAsyncEnumerable<DeadLetter> GetDeadLettersAsync(string? id = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        if (id is not null)
        {
            ValidateId(id);
        }

        if (limit < 0)
        {
            throw OverseerException.Invalid($"invalid limit {limit}: expected a number >= 0, or none for all dead letters");
        }

        return DeadLetterPagesAsync(id, limit ?? int.MaxValue, cancellationToken);
    }

    private async IAsyncEnumerable<DeadLetter> DeadLetterPagesAsync(string? id, int limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var remaining = limit;
        DeadLetterPosition? after = null;
        while (remaining > 0)
        {
            var page = await CallAsync(() => Manager.GetDeadLettersAsync(id, after, Math.Min(DeadLetterPage.MaxLimit, remaining), cancellationToken), cancellationToken);
            foreach (var item in page.Items.Take(remaining))
            {
                yield return item;
            }

            remaining -= Math.Min(page.Items.Length, remaining);
            if (page.Next is null || page.Next == after)
            {
                yield break;
            }

            after = page.Next;
        }
    }

    /// <summary>The newest <paramref name="count"/> audit entries (deletes and rewinds: who, when, what), oldest first.</summary>
    public Task<ImmutableArray<AuditEntry>> GetAuditAsync(int count = 100, CancellationToken cancellationToken = default) =>
        CallAsync(() => Manager.GetAuditAsync(count, cancellationToken), cancellationToken);

    /// <summary>A worker's current snapshot.</summary>
    /// <exception cref="OverseerException">With <see cref="OverseerErrorCode.UnknownWorker"/> when no such worker exists.</exception>
    public Task<WorkerInfo> GetStatusAsync(string id, CancellationToken cancellationToken = default)
    {
        ValidateId(id);
        return CallAsync(() => client.GetGrain<IWorkerGrain>(id).GetInfoAsync(cancellationToken), cancellationToken);
    }

    /// <summary>Counts over the whole registry.</summary>
    public Task<ClusterSummary> GetSummaryAsync(CancellationToken cancellationToken = default) =>
        CallAsync(() => Manager.GetSummaryAsync(cancellationToken), cancellationToken);

    /// <summary>The cluster's silos ordered by address, with the running workers and partitions each hosts.</summary>
    /// <param name="includeDead">Also list silos that membership has declared dead (they stay in the table for a while).</param>
    public async Task<ImmutableArray<SiloInfo>> GetSilosAsync(bool includeDead = false, CancellationToken cancellationToken = default)
    {
        var silos = await CallAsync(() => Manager.GetSilosAsync(cancellationToken), cancellationToken);
        return includeDead ? silos : silos.RemoveAll(s => s.Status == SiloState.Dead);
    }

    /// <summary>The running workers furthest behind, slowest first: largest lag (head − checkpoint) where the
    /// source reports a head, then lowest checkpoint. Read from the registry (as of each worker's last
    /// heartbeat); no worker is called.</summary>
    /// <param name="count">How many, 0..<see cref="MaxSlowest"/>.</param>
    public Task<ImmutableArray<WorkerInfo>> GetSlowestAsync(int count, CancellationToken cancellationToken = default)
    {
        if (count is < 0 or > MaxSlowest)
        {
            throw OverseerException.Invalid($"invalid count {count}: expected 0..{MaxSlowest}");
        }

        return CallAsync(() => Manager.GetSlowestAsync(count, cancellationToken), cancellationToken);
    }

    /// <summary>Workers ordered by id, fetched a page at a time as the caller enumerates.</summary>
    /// <param name="status">Only workers in this status; null = all.</param>
    /// <param name="limit">At most this many; null = all.</param>
    /// <param name="prefix">Only workers whose id starts with this; null = all.</param>
    public IAsyncEnumerable<WorkerInfo> ListAsync(
        WorkerStatus? status = null, int? limit = null, string? prefix = null, CancellationToken cancellationToken = default)
    {
        if (limit < 0)
        {
            throw OverseerException.Invalid($"invalid limit {limit}: expected a number >= 0, or none for all workers");
        }

        return ListPagesAsync(status, limit ?? int.MaxValue, prefix, cancellationToken);
    }

    /// <summary>A worker's committed events in sequence order, fetched a page at a time as the caller enumerates.</summary>
    /// <param name="fromSeq">The first sequence number wanted (inclusive).</param>
    /// <param name="count">At most this many; null = all.</param>
    public IAsyncEnumerable<WorkerEvent> GetEventsAsync(
        string id, long fromSeq = 1, int? count = null, CancellationToken cancellationToken = default)
    {
        ValidateId(id);
        if (fromSeq < 0)
        {
            throw OverseerException.Invalid($"invalid fromSeq {fromSeq}: expected a sequence number >= 0");
        }

        if (count < 0)
        {
            throw OverseerException.Invalid($"invalid count {count}: expected a number >= 0, or none for all events");
        }

        return EventPagesAsync(id, fromSeq, count ?? int.MaxValue, cancellationToken);
    }

    private async IAsyncEnumerable<WorkerInfo> ListPagesAsync(
        WorkerStatus? status, int limit, string? prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var remaining = limit;
        string? afterId = null;
        while (remaining > 0)
        {
            var query = new WorkerQuery(status, afterId, Math.Min(ListPageSize, remaining), prefix);
            var page = await CallAsync(() => Manager.ListAsync(query, cancellationToken), cancellationToken);
            foreach (var item in page.Items.Take(remaining))
            {
                yield return item;
            }

            remaining -= Math.Min(page.Items.Length, remaining);

            // Also stop on a cursor that does not move, so a faulty page cannot loop forever.
            if (page.NextAfterId is null || page.NextAfterId == afterId)
            {
                yield break;
            }

            afterId = page.NextAfterId;
        }
    }

    private async IAsyncEnumerable<WorkerEvent> EventPagesAsync(
        string id, long fromSeq, int count, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var worker = client.GetGrain<IWorkerGrain>(id);
        var remaining = count;
        var next = fromSeq;
        while (remaining > 0)
        {
            var take = Math.Min(EventsPageSize, remaining);
            var page = await CallAsync(() => worker.GetEventsAsync(next, take, cancellationToken), cancellationToken);
            foreach (var item in page.Take(remaining))
            {
                yield return item;
            }

            remaining -= Math.Min(page.Length, remaining);
            if (page.Length < take)
            {
                yield break;
            }

            // Continue after the last event rather than at next + take: sequence numbers may have gaps.
            next = page[^1].Seq + 1;
        }
    }

    private static void ValidateId(string id)
    {
        if (WorkerIds.Validate(id) is { } error)
        {
            throw OverseerException.Invalid(error);
        }
    }

    // Every operation here is retried on a transport failure, including a timeout (which may mean it ran). Reads
    // (status, list, summary, silos, slowest, events; watch is built from them) change nothing. Start, stop and resume
    // are idempotent by design (Grains/Workers/WorkerGrain.cs): start with the spec the worker already has returns it
    // unchanged (a running worker keeps running, a finished one is not re-run), and the partition registration before
    // it is keyed by id; stop sets "do not run" and keeps a finished worker's status, so a second stop finds it stopped;
    // resume returns a running worker as it is. One narrow case: a worker resumed by the first attempt that completes or
    // fails before a retry lands is started once more by that retry. A rewind repeated rewinds to the same seq again
    // (the events after it are handled once more, through the handler's rewind hook: nothing twice). The commands that
    // consume what they act on (delete, skip, replay, discard, accept) go through CommandAsync (below): a retry that is refused
    // may have been refused because its first attempt did the work.
    /// <summary>Each attempt carries its deadline (<see cref="RequestDeadline"/>): the cluster refuses an attempt that
    /// reaches it after this client gave up on it, so that a retry is never carried out twice.</summary>
    private Task<T> CallAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken) =>
        retry.ExecuteAsync(
            async () =>
            {
                RequestDeadline.Set(DateTimeOffset.UtcNow + attemptTimeout);
                try
                {
                    return await call();
                }
                finally
                {
                    RequestDeadline.Clear();
                }
            },
            cancellationToken);

    /// <summary>A command that consumes what it acts on (a worker, a halt, a dead letter), retried like every call
    /// (<see cref="CallAsync"/>); when a retry (its first attempt's answer lost in transport, so that attempt may have
    /// run) is refused, <paramref name="done"/> says whether the command's effect is in place and returns the result to
    /// give; otherwise the refusal surfaces saying that the first attempt may have been carried out.</summary>
    /// <param name="retryable">False: a transport failure is not sent again (the call names nothing that would make a
    /// second attempt safe) and surfaces as a refusal saying so.</param>
    private Task<T> CommandAsync<T>(Func<Task<T>> call, Func<OverseerException, Task<T?>> done, CancellationToken cancellationToken, bool retryable = true)
        where T : class
    {
        var attempts = 0;
        return CallAsync(
            async () =>
            {
                if (++attempts > 1 && !retryable)
                {
                    throw OverseerException.Conflict(
                        "the answer to this command was lost in transport, and it cannot be sent again safely: "
                        + "it may have been carried out; 'overseer status' and 'overseer audit' say what happened");
                }

                OverseerException refused;
                try
                {
                    return await call();
                }
                catch (Exception e) when (attempts > 1 && !CallRetry.IsRetryable(e) && OverseerException.FindIn(e) is { } contract)
                {
                    refused = contract;
                }

                return await done(refused) ?? throw new OverseerException(
                    refused.Code,
                    $"{refused.Message} (this was a retry: the answer to the first attempt was lost in transport, and it may have been carried out; "
                    + "'overseer status' and 'overseer audit' say what happened)");
            },
            cancellationToken);
    }

    private static Task<T?> NotKnownToBeDone<T>(OverseerException refused)
        where T : class => Task.FromResult<T?>(null);
}
