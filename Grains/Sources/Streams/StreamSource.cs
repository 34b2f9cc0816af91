using Overseer.Outputs;
using Overseer.Outputs.Redis;
using Overseer.Redis;
using StackExchange.Redis;

namespace Overseer.Sources.Streams;

/// <summary>Reads another worker's committed Redis stream: the events after the checkpoint, up to the upstream's own
/// checkpoint, with the upstream's sequence numbers (so the follower's seq is its upstream's, and each event is committed
/// once by the follower's own commit).</summary>
/// <remarks>
/// Why not <c>XREAD BLOCK</c>: StackExchange.Redis multiplexes every caller of a silo over one connection and does not
/// support blocking commands on it (one blocked read would hold up every other command), and a dedicated connection per
/// follower would not scale. Instead the upstream's commit script publishes its new checkpoint on a sharded channel
/// (<see cref="RedisKeys.Commits"/>) when it has followers, and the follower, once it has read everything up to the
/// upstream's checkpoint, waits for that notification — or at most <see cref="StreamSourceSettings.MaxWait"/>, after which
/// it reads the checkpoint again anyway, so a notification lost (a reconnect, a failover) only delays. An idle follower
/// therefore costs one Redis read per <c>MaxWait</c>, and the subscriptions of a silo share its one subscriber
/// connection.
/// <para>Reads stop at the upstream cursor's <c>cp</c>, never at the stream's end, so nothing the upstream has not
/// committed is read (the cursor and the stream are written by one script). A Redis outage is ridden out like the
/// output's (<see cref="StoreRetry"/>): an outage, never a crash of the follower's run.</para>
/// <para>The follower rolls back with its upstream: the upstream's rollback count is read with its checkpoint, and when it
/// has grown since the count the follower's events reflect (<see cref="UpstreamRollbacks"/>, carried in the source token),
/// the follower rolls back too (<see cref="SourceRollbackException"/>) if it holds entries the upstream took back.</para>
/// </remarks>
internal sealed class StreamSource(
    string workerId, StreamSourceSettings settings, IConnectionMultiplexer redis, RedisKeys keys, StoreRetry retry, string? resumeToken) : IEventSource
{
    // 'fin': the upstream's source's final seq as of its last commit, passed on, so that a follower's handler journals
    // (for a rollback with its upstream) exactly what its upstream may still roll back.
    private static readonly RedisValue[] CursorFields = ["gen", "cp", "dn", RollbackLog.Count, "fin"];

    private static readonly IReadOnlyDictionary<long, long> NoTargets = new Dictionary<long, long>();

    private readonly UpstreamRollbacks _rollbacks = new(workerId, settings.Upstream, resumeToken);

    // Never disposed: a notification may still arrive on the subscriber's thread as the run ends, and a SemaphoreSlim
    // whose wait handle is never asked for holds nothing to release.
    private readonly SemaphoreSlim _committed = new(0, 1);
    private Action<RedisChannel, RedisValue>? _onCommit;

    public SequenceDensity? Density { get; private set; }

    public async Task<SourceBatch> FetchAsync(long after, CancellationToken cancellationToken)
    {
        await SubscribeAsync(cancellationToken).ConfigureAwait(false);
        var db = redis.GetDatabase();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var cursor = await retry.ExecuteAsync(
                workerId, ct => db.HashGetAsync(keys.Cursor(settings.Upstream), CursorFields).WaitAsync(ct), cancellationToken).ConfigureAwait(false);
            if (cursor[0].IsNull)
            {
                throw new InvalidOperationException(
                    $"upstream '{settings.Upstream}' of stream worker '{workerId}' has no cursor in Redis: it was deleted, or never had the Redis stream output; start it again, or delete this worker");
            }

            var rollbacks = RollbackLog.CountOf(cursor[3]);
            if (rollbacks != _rollbacks.Seen)
            {
                // Throws to roll back (positioned at the new count) or to halt; else the next batch carries the new count.
                var targets = _rollbacks.ToRead(rollbacks, after) is { } missed
                    ? await retry.ExecuteAsync(
                        workerId, ct => RollbackLog.ReadAsync(db, keys.Rollbacks(settings.Upstream), missed.First, missed.Last).WaitAsync(ct), cancellationToken).ConfigureAwait(false)
                    : NoTargets;
                _rollbacks.CatchUp(rollbacks, after, targets);
            }

            var checkpoint = cursor[1].IsNull ? 0 : (long)cursor[1];
            if (checkpoint > after)
            {
                Density = cursor[2] == 1 ? SequenceDensity.Dense : SequenceDensity.Sparse;
                var events = await ReadAsync(db, after, checkpoint, cancellationToken).ConfigureAwait(false);
                if (events.Length > 0)
                {
                    return new SourceBatch(events, Exhausted: false, _rollbacks.Token, cursor[4].IsNull ? null : (long)cursor[4]);
                }

                // The entries went between the two reads: the upstream rolled back (read its count again), or they were removed.
                if (await RollbacksAsync(db, cancellationToken).ConfigureAwait(false) != rollbacks)
                {
                    continue;
                }

                throw new InvalidOperationException(
                    $"upstream '{settings.Upstream}' of stream worker '{workerId}' has committed up to {checkpoint}, but its stream holds no event after {after}: its events were removed (a delete that kept only its cursor?); delete this worker, or rewind it to 0");
            }

            // Nothing new: wait for the upstream's next commit (a notification that came in since the read above is
            // already counted and ends the wait at once), or re-read after MaxWait.
            await _committed.WaitAsync(settings.MaxWait, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<SourceEvent[]> ReadAsync(IDatabase db, long after, long checkpoint, CancellationToken cancellationToken)
    {
        var entries = await retry.ExecuteAsync(
            workerId,
            ct => db.StreamRangeAsync(keys.Events(settings.Upstream), minId: $"{after + 1}-0", maxId: $"{checkpoint}-0", count: settings.Batch).WaitAsync(ct),
            cancellationToken).ConfigureAwait(false);
        return RedisStreamOutput.ToEvents(entries);
    }

    private async Task<long> RollbacksAsync(IDatabase db, CancellationToken cancellationToken) =>
        RollbackLog.CountOf(await retry.ExecuteAsync(
            workerId, ct => db.HashGetAsync(keys.Cursor(settings.Upstream), RollbackLog.Count).WaitAsync(ct), cancellationToken).ConfigureAwait(false));

    private async Task SubscribeAsync(CancellationToken cancellationToken)
    {
        if (_onCommit is not null)
        {
            return;
        }

        // Kept before subscribing, so that the dispose of a run cut short mid-subscribe still unsubscribes it.
        Action<RedisChannel, RedisValue> onCommit = (_, _) => Signal();
        _onCommit = onCommit;
        await retry.ExecuteAsync(
            workerId, ct => redis.GetSubscriber().SubscribeAsync(keys.Commits(settings.Upstream), onCommit).WaitAsync(ct), cancellationToken).ConfigureAwait(false);
    }

    private void Signal()
    {
        // At most one pending wake-up: a burst of commits while the follower reads is one more read, not one per commit.
        try
        {
            _committed.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_onCommit is { } handler)
        {
            try
            {
                await redis.GetSubscriber().UnsubscribeAsync(keys.Commits(settings.Upstream), handler).ConfigureAwait(false);
            }
            catch (RedisException)
            {
                // The subscription dies with the connection; nothing to undo.
            }
        }
    }
}
