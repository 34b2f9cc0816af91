using System.Globalization;
using Overseer.Handlers;
using Overseer.Redis;
using Overseer.Sources;
using StackExchange.Redis;

namespace Overseer.Outputs.Redis;

/// <summary>The default output: events are appended to one Redis stream per worker, with the cursor beside it in a hash
/// (<see cref="RedisCursorStore"/>), in one Lua script. A worker's <see cref="IStreamHandler"/>, if it has one, rewrites
/// the payloads first.</summary>
/// <remarks>Every rule about who may commit lives in these scripts: a generation older than <c>gen</c>, a set
/// <c>stop</c>, an expired pool lease, a batch that does not follow <c>cp</c> or (dense) has a hole — all refused here,
/// atomically with the write, so no interleaving of activations, pauses or retries can break them.
/// <para>Every write goes through <see cref="ReplicaAcks"/>, so with <c>Overseer:Redis:MinReplicaAcks</c> it counts only
/// once enough replicas have it.</para></remarks>
internal sealed class RedisStreamOutput(IConnectionMultiplexer redis, RedisKeys keys, ReplicaAcks acks) : IWorkerOutput
{
    private const int FirstEventArg = 8;

    // KEYS: cursor, stream, followers. ARGV: generation, expected checkpoint, dense (1/0), token ('' = keep), lease until (Redis
    // ms, 0 = no pool), handler version ('' = no handler), the source's final seq ('' = none: kept as 'fin' beside cp, for the
    // followers' batches), then seq/payload pairs (XADD takes the seq as the entry id seq-0).
    // The cursor's 'hv' is the handler version its events were committed with: a batch of another version is refused
    // ({4, cp, hv}) after the fence and sequence checks and before the lease's, and a cursor without one takes the batch's.
    // The cursor records the density
    // ('dn') beside cp, for the stream workers that follow this one; when any does (the followers set exists), the new
    // checkpoint is published on the stream's sharded channel (RedisKeys.Commits), so that an idle follower wakes
    // without polling; a worker nobody follows pays one EXISTS inside the script. Returns {1, cp} committed, {0, cp} fenced, {2, cp} lease expired, {3, cp}
    // the store is behind the expected checkpoint (it lost acknowledged commits; the stream went back with the cursor),
    // {5, cp} the store is ahead of it (commits this run does not know of, stored with their events).
    // A lost reply is retried with the same expected checkpoint: the cursor is then already at the batch's last seq,
    // which is reported as committed (idempotent); the checkpoint is written again, so that a WAIT after the retry covers
    // a write of this connection that follows the batch (ReplicaAcks).
    private const string CommitScript = PrimaryOnly.Shebang + """
        local c = redis.call('HMGET', KEYS[1], 'gen', 'cp', 'stop', 'hv')
        local cp = tonumber(c[2] or '0')
        if c[1] ~= ARGV[1] or c[3] then return {0, cp} end
        local last = tonumber(ARGV[#ARGV - 1])
        if cp == last then redis.call('HSET', KEYS[1], 'cp', last) return {1, cp} end
        if cp < tonumber(ARGV[2]) then return {3, cp} end
        if cp ~= tonumber(ARGV[2]) then return {5, cp} end
        if ARGV[6] ~= '' and c[4] and c[4] ~= ARGV[6] then return {4, cp, tonumber(c[4])} end
        local lease = tonumber(ARGV[5])
        if lease > 0 then
          local t = redis.call('TIME')
          if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) >= lease then return {2, cp} end
        end
        if ARGV[3] == '1' then
          local want = cp
          for i = 8, #ARGV, 2 do
            want = want + 1
            if tonumber(ARGV[i]) ~= want then return redis.error_reply('OVERSEER gap: dense sequence expected ' .. want .. ', got ' .. ARGV[i]) end
          end
        end
        for i = 8, #ARGV, 2 do
          redis.call('XADD', KEYS[2], ARGV[i], 'p', ARGV[i + 1])
        end
        local set = {'cp', last, 'dn', ARGV[3]}
        if ARGV[4] ~= '' then set[#set + 1] = 'tok' set[#set + 1] = ARGV[4] end
        if ARGV[6] ~= '' and not c[4] then set[#set + 1] = 'hv' set[#set + 1] = ARGV[6] end
        if ARGV[7] ~= '' then set[#set + 1] = 'fin' set[#set + 1] = ARGV[7] end
        redis.call('HSET', KEYS[1], unpack(set))
        if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('SPUBLISH', KEYS[2], last) end
        return {1, last}
        """;

    // KEYS: cursor, stream, followers (unused), rollbacks. ARGV: generation, target seq, first id to remove ("{seq+1}-0"), token
    // ('' = none), chunk, RollbackLog.Kept. Removes up to chunk events after the target; returns {done 1/0, removed}. When
    // none are left it sets the stream's last id back to the target (so the next commit's XADD of target + 1 is accepted)
    // and the cursor's cp and tok, and records the removal as a rollback (RollbackLog): a followed worker is not rewound
    // (StreamFollowers), but a follower that started meanwhile then rolls back with it. A rewind to 0 removed every event
    // of the handler version they were committed with, so it forgets 'hv' too.
    private const string RewindScript = PrimaryOnly.Shebang + RollbackLog.Lua + "\n" + """
        local c = redis.call('HMGET', KEYS[1], 'gen', 'cp', 'stop')
        if c[1] ~= ARGV[1] or not c[3] then return redis.error_reply('OVERSEER fenced: the worker was started or stopped again') end
        local to = tonumber(ARGV[2])
        if to > tonumber(c[2] or '0') then return redis.error_reply('OVERSEER rewind target ' .. ARGV[2] .. ' is beyond the checkpoint ' .. (c[2] or '0')) end
        local entries = redis.call('XRANGE', KEYS[2], ARGV[3], '+', 'COUNT', tonumber(ARGV[5]))
        for i = 1, #entries do redis.call('XDEL', KEYS[2], entries[i][1]) end
        if #entries == tonumber(ARGV[5]) then return {0, #entries} end
        if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('XSETID', KEYS[2], ARGV[2] .. '-0') end
        redis.call('HSET', KEYS[1], 'cp', to)
        if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'tok', ARGV[4]) else redis.call('HDEL', KEYS[1], 'tok') end
        if to == 0 then redis.call('HDEL', KEYS[1], 'hv') end
        record_rollback(KEYS[1], KEYS[4], ARGV[2], ARGV[6])
        return {1, #entries}
        """;

    // KEYS: cursor, stream, followers, rollbacks. ARGV: generation, expected checkpoint, target seq, first id to remove
    // ("{target+1}-0"), token ('' = none), RollbackLog.Kept. A running worker's rollback after a reorg (of its chain, or of
    // the worker it follows): fenced as a commit ({0, cp} fenced or stopped, {3, cp} the store lost commits, {5, cp} the
    // store holds commits the run does not know of); a retry whose reply was lost finds the cursor at the target with the token and
    // reports it rolled back. Otherwise removes every entry after the target, sets the stream's last id back to it (so the
    // new branch's XADDs are accepted) and the cursor's cp and tok, and records the rollback (RollbackLog), so that the
    // stream workers following this one roll back with it (and wakes them, as a commit does); returns {1, target,
    // removed}. Bounded by the journal: a reorg deeper than it halts instead, so one script removes at most that many
    // blocks' entries (a follower's, at most the part of them it had read).
    private const string RollbackScript = PrimaryOnly.Shebang + RollbackLog.Lua + "\n" + """
        local c = redis.call('HMGET', KEYS[1], 'gen', 'cp', 'stop', 'tok')
        local cp = tonumber(c[2] or '0')
        if c[1] ~= ARGV[1] or c[3] then return {0, cp, 0} end
        local to = tonumber(ARGV[3])
        if cp == to and (c[4] or '') == ARGV[5] then return {1, cp, 0} end
        if cp < tonumber(ARGV[2]) then return {3, cp, 0} end
        if cp ~= tonumber(ARGV[2]) then return {5, cp, 0} end
        if to > cp then return redis.error_reply('OVERSEER rollback target ' .. ARGV[3] .. ' is beyond the checkpoint ' .. cp) end
        local entries = redis.call('XRANGE', KEYS[2], ARGV[4], '+')
        for i = 1, #entries do redis.call('XDEL', KEYS[2], entries[i][1]) end
        if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('XSETID', KEYS[2], ARGV[3] .. '-0') end
        if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'cp', to, 'tok', ARGV[5]) else redis.call('HSET', KEYS[1], 'cp', to) redis.call('HDEL', KEYS[1], 'tok') end
        record_rollback(KEYS[1], KEYS[4], ARGV[3], ARGV[6])
        if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('SPUBLISH', KEYS[2], ARGV[3]) end
        return {1, to, #entries}
        """;

    // KEYS: cursor, stream, followers (unused: a followed worker's delete is refused before), rollbacks. ARGV: keep events
    // (1/0), the deleter's generation ('' = any). Returns the events removed, or {-1, gen} (nothing removed) when the cursor
    // holds another generation. The rollback log goes with the cursor, whose 'rb' numbers its entries.
    private const string DeleteScript = PrimaryOnly.Shebang + """
        local gen = redis.call('HGET', KEYS[1], 'gen')
        if ARGV[2] ~= '' and gen and tonumber(gen) ~= tonumber(ARGV[2]) then return {-1, tonumber(gen)} end
        local n = 0
        if ARGV[1] ~= '1' then
          n = redis.call('XLEN', KEYS[2])
          redis.call('DEL', KEYS[2])
        end
        redis.call('DEL', KEYS[1], KEYS[4])
        return n
        """;

    /// <summary>Events one rewind script removes at most, so a long rewind never blocks Redis for long.</summary>
    private const int RewindChunk = 5000;

    private IDatabase Db => redis.GetDatabase();

    public ICursorStore Cursors { get; } = new RedisCursorStore(redis, keys, acks);

    /// <summary>None: see <see cref="WhyEventsCannotBePassed"/>.</summary>
    public IDeadLetters? DeadLetters => null;

    public string? WhyEventsCannotBePassed => CannotPass;

    /// <summary>Why a worker on this output cannot pass a poison event.</summary>
    internal const string CannotPass =
        "its output is its Redis stream, whose entries are in seq order and whose followers read every seq, so a passed event would leave a hole that no replay could fill; its poison policy can only be halt (with retries)";

    public async Task<RollbackResult> RollBackAsync(string workerId, CommitRollback rollback, CancellationToken cancellationToken)
    {
        RedisValue[] args =
        [
            rollback.Generation.ToString(CultureInfo.InvariantCulture), rollback.Checkpoint, rollback.ToSeq,
            (rollback.ToSeq + 1).ToString(CultureInfo.InvariantCulture) + "-0", rollback.Token ?? string.Empty, RollbackLog.Kept,
        ];
        RedisResult[] r;
        try
        {
            r = (RedisResult[])(await acks.WriteAsync(workerId, keys.Cursor(workerId), db => db.ScriptEvaluateAsync(RollbackScript, keys.Worker(workerId), args))
                .WaitAsync(cancellationToken).ConfigureAwait(false))!;
        }
        catch (RedisServerException e) when (e.Message.Contains("OVERSEER", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"rollback of worker '{workerId}' to {rollback.ToSeq} refused: {e.Message[(e.Message.IndexOf("OVERSEER", StringComparison.Ordinal) + 9)..]}", e);
        }

        var checkpoint = (long)r[1];
        return (int)r[0] switch
        {
            1 => new RollbackResult(CommitOutcome.Committed, checkpoint, (long)r[2]),
            3 => new RollbackResult(CommitOutcome.StoreBehind, checkpoint),
            5 => new RollbackResult(CommitOutcome.StoreAhead, checkpoint),
            _ => new RollbackResult(CommitOutcome.Fenced, checkpoint),
        };
    }

    public async Task<long?> RewindAsync(string workerId, WorkerBinding binding, long generation, long toSeq, string? token, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(toSeq);
        RedisValue[] args =
        [
            generation.ToString(CultureInfo.InvariantCulture), toSeq.ToString(CultureInfo.InvariantCulture),
            (toSeq + 1).ToString(CultureInfo.InvariantCulture) + "-0", token ?? string.Empty, RewindChunk, RollbackLog.Kept,
        ];
        var removed = 0L;
        while (true)
        {
            RedisResult[] r;
            try
            {
                r = (RedisResult[])(await acks.WriteAsync(workerId, keys.Cursor(workerId), db => db.ScriptEvaluateAsync(RewindScript, keys.Worker(workerId), args))
                    .WaitAsync(cancellationToken).ConfigureAwait(false))!;
            }
            catch (RedisServerException e) when (e.Message.Contains("OVERSEER", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"rewind of worker '{workerId}' refused: {e.Message[(e.Message.IndexOf("OVERSEER", StringComparison.Ordinal) + 9)..]}", e);
            }

            removed += (long)r[1];
            if ((long)r[0] == 1)
            {
                return removed;
            }
        }
    }

    public async Task<long?> DeleteAsync(string workerId, WorkerBinding binding, long? generation, bool keepEffects, CancellationToken cancellationToken)
    {
        RedisValue known = generation is { } g ? g.ToString(CultureInfo.InvariantCulture) : string.Empty;
        var r = await acks.WriteAsync(workerId, keys.Cursor(workerId), db => db.ScriptEvaluateAsync(DeleteScript, keys.Worker(workerId), [keepEffects ? 1 : 0, known]))
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        return r.Resp2Type == ResultType.Array
            ? throw new GenerationMovedException(workerId, generation ?? 0, (long)((RedisResult[])r!)[1])
            : (long)r;
    }

    /// <summary>Events are Overseer's own: a rewind or delete can always remove them.</summary>
    public string? WhyEffectsCannotBeRemoved(WorkerBinding binding) => null;

    public async Task<(long Effects, bool HasCursor)> InspectAsync(string workerId, CancellationToken cancellationToken)
    {
        var events = Db.StreamLengthAsync(keys.Events(workerId));
        var cursor = Db.KeyExistsAsync(keys.Cursor(workerId));
        await Task.WhenAll(events, cursor).WaitAsync(cancellationToken).ConfigureAwait(false);
        return (await events, await cursor);
    }

    public async Task<CommitResult> CommitAsync(string workerId, CommitBatch batch, CancellationToken cancellationToken)
    {
        var events = batch.Events;
        if (events.Count == 0)
        {
            return new CommitResult(CommitOutcome.Committed, batch.Checkpoint);
        }

        if (batch.Pass is not null)
        {
            throw new InvalidOperationException($"worker '{workerId}' cannot pass seq {events[0].Seq}: {WhyEventsCannotBePassed}");
        }

        batch.EnsureFollowsCheckpoint(workerId);
        var payloads = batch.Binding.Handler is IStreamHandler handler
            ? await TransformAsync(workerId, handler, batch, cancellationToken).ConfigureAwait(false)
            : null;
        var dense = batch.Density == SequenceDensity.Dense;
        var args = new RedisValue[FirstEventArg - 1 + (events.Count * 2)];
        args[0] = batch.Generation.ToString(CultureInfo.InvariantCulture);
        args[1] = batch.Checkpoint;
        args[2] = dense ? 1 : 0;
        args[3] = batch.Token ?? string.Empty;
        args[4] = batch.LeaseUntil;
        args[5] = batch.HandlerVersion is { } version ? version.ToString(CultureInfo.InvariantCulture) : string.Empty;
        args[6] = batch.FinalThrough is { } final ? final.ToString(CultureInfo.InvariantCulture) : string.Empty;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            args[FirstEventArg - 1 + (2 * i)] = e.Seq;
            args[FirstEventArg + (2 * i)] = payloads is null ? e.Payload : payloads[i];
        }

        // With MinReplicaAcks, WriteAsync returns only once enough replicas have the batch: nothing downstream (the
        // worker's checkpoint, its reports, its source's acknowledgement) moves before.
        var result = (RedisResult[])(await acks.WriteAsync(workerId, keys.Cursor(workerId), db => db.ScriptEvaluateAsync(CommitScript, keys.Worker(workerId), args))
            .WaitAsync(cancellationToken).ConfigureAwait(false))!;
        var outcome = (long)result[0] switch
        {
            1 => CommitOutcome.Committed,
            2 => CommitOutcome.LeaseExpired,
            3 => CommitOutcome.StoreBehind,
            4 => CommitOutcome.VersionChanged,
            5 => CommitOutcome.StoreAhead,
            _ => CommitOutcome.Fenced,
        };
        return new CommitResult(outcome, (long)result[1], outcome == CommitOutcome.VersionChanged ? (int)result[2] : null);
    }

    private static async Task<IReadOnlyList<string>> TransformAsync(string workerId, IStreamHandler handler, CommitBatch batch, CancellationToken cancellationToken)
    {
        var payloads = await HandlerFailures.GuardAsync(
            workerId, batch.Binding.HandlerName, () => handler.TransformAsync(new HandlerBatch(workerId, batch.Events, batch.Binding.HandlerOptions), cancellationToken).AsTask()).ConfigureAwait(false);
        if (payloads is null || payloads.Count != batch.Events.Count)
        {
            throw new InvalidOperationException(
                $"handler '{batch.Binding.HandlerName}' of worker '{workerId}' returned {payloads?.Count.ToString(CultureInfo.InvariantCulture) ?? "no"} payloads for {batch.Events.Count} events: a stream handler returns one payload per event, in order");
        }

        return payloads;
    }

    public async Task<IReadOnlyList<SourceEvent>> ReadAsync(string workerId, long fromSeq, int count, CancellationToken cancellationToken)
    {
        var entries = await Db.StreamRangeAsync(keys.Events(workerId), minId: $"{fromSeq}-0", maxId: "+", count: count)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        return ToEvents(entries);
    }

    /// <summary>Stream entries as the events they were committed from: the entry id <c>{seq}-0</c> is the seq, field
    /// <c>p</c> the payload (the commit script's layout; the <c>stream</c> source reads another worker's entries with it).</summary>
    internal static SourceEvent[] ToEvents(StreamEntry[] entries)
    {
        var events = new SourceEvent[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            var id = (string)entries[i].Id!;
            var seq = long.Parse(id.AsSpan(0, id.IndexOf('-', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
            events[i] = new SourceEvent(seq, (string)entries[i]["p"]!);
        }

        return events;
    }
}
