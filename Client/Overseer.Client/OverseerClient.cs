using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Overseer.Errors;
using Overseer.Models;

namespace Overseer.Client;

/// <summary>The typed entry point to an Overseer cluster: one method per operation. Ids are checked here
/// (early, friendly errors); the grains remain authoritative.</summary>
/// <remarks>Refusals surface as <see cref="OverseerException"/>; a cluster that cannot be reached as
/// <see cref="ClusterUnreachableException"/>. A call that fails in transport (its gateway unreachable, the silo
/// behind it just crashed, no answer in time) is retried through another gateway until
/// <see cref="OverseerClientOptions.CallTimeout"/> has passed; only then does it surface.</remarks>
public sealed class OverseerClient
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

    /// <summary>A client over an already connected <paramref name="client"/>; a call that fails in transport is
    /// retried for <see cref="OverseerClientOptions.DefaultCallTimeout"/>. <c>AddOverseerClient</c> registers one
    /// that uses the configured <see cref="OverseerClientOptions.CallTimeout"/> instead.</summary>
    public OverseerClient(IClusterClient client)
        : this(client, CallRetry.Default)
    {
    }

    internal OverseerClient(IClusterClient client, CallRetry retry)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(retry);
        this.client = client;
        this.retry = retry;
    }

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
    public IAsyncEnumerable<WorkerInfo> ListAsync(
        WorkerStatus? status = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        if (limit < 0)
        {
            throw OverseerException.Invalid($"invalid limit {limit}: expected a number >= 0, or none for all workers");
        }

        return ListPagesAsync(status, limit ?? int.MaxValue, cancellationToken);
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
        WorkerStatus? status, int limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var remaining = limit;
        string? afterId = null;
        while (remaining > 0)
        {
            var query = new WorkerQuery(status, afterId, Math.Min(ListPageSize, remaining));
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

    // Every operation here is safe to repeat, so every one is retried on a transport failure, including a timeout
    // (which may mean it ran): reads (status, list, summary, silos, slowest, events; watch is built from them) change
    // nothing, and the commands are idempotent by design (Grains/Workers/WorkerGrain.cs): start with the spec the
    // worker already has returns it unchanged (a running worker keeps running, a finished one is not re-run), and the
    // partition registration before it is keyed by id; stop sets "do not run" and keeps a finished worker's status,
    // so a second stop finds it stopped; resume returns a running worker as it is. One narrow case: a worker resumed
    // by the first attempt that completes or fails before a retry lands is started once more by that retry.
    private Task<T> CallAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken) =>
        retry.ExecuteAsync(call, cancellationToken);
}
