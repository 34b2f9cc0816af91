using Overseer.Errors;
using Overseer.Handlers;
using Overseer.Models;
using Overseer.Redis;
using Overseer.Registry;
using StackExchange.Redis;

namespace Overseer.Sources.Streams;

/// <summary>Who follows whom: a <c>stream</c> worker's upstream is checked as it is started (by the manager, before
/// anything is registered), the follower registered durably in the upstream's followers set
/// (<see cref="RedisKeys.Followers"/>) once the worker has accepted the spec, and removed as it is deleted or moves to
/// another upstream; a delete or rewind of a worker that is still followed is refused, naming the followers.</summary>
/// <remarks>Refused rather than cascaded: a cascade would delete or rewind workers, and their PostgreSQL rows, that the
/// operator did not name. Refusing keeps every destructive step explicit: delete the followers first, then the upstream.
/// The set is checked lazily too: an id in it that is no longer a <c>stream</c> worker (its delete was cut short) is
/// dropped from it instead of blocking the upstream.</remarks>
internal sealed class StreamFollowers(IConnectionMultiplexer redis, RedisKeys keys, OverseerGrains grains, HandlerCatalog handlers)
{
    /// <summary>The <c>action</c> of <see cref="EnsureNotFollowedAsync"/> for a delete.</summary>
    public const string Deleted = "deleted";

    /// <summary>The <c>action</c> of <see cref="EnsureNotFollowedAsync"/> for a rewind.</summary>
    public const string Rewound = "rewound";

    /// <summary>Followers named in a refusal at most; the rest are counted.</summary>
    private const int MaxNamed = 10;

    private IDatabase Db => redis.GetDatabase();

    /// <summary>The upstream a spec follows; null when the spec is not of the <c>stream</c> kind.</summary>
    public static string? UpstreamOf(WorkerSpec? spec) =>
        spec?.Source == StreamSourceFactory.Kind && spec.Options is { } options && options.TryGetValue("upstream", out var upstream) ? upstream : null;

    /// <summary>For a <c>stream</c> spec: refuses (<see cref="OverseerErrorCode.InvalidArgument"/>) a worker that
    /// follows itself, an upstream that does not exist and one whose output is not the Redis stream. Does nothing for
    /// other kinds. Called before the worker is registered, so that a refusal leaves nothing behind.</summary>
    public async Task CheckUpstreamAsync(string id, WorkerSpec spec, CancellationToken cancellationToken)
    {
        if (UpstreamOf(spec) is not { } upstream)
        {
            return;
        }

        if (upstream == id)
        {
            throw OverseerException.Invalid($"invalid option upstream='{upstream}' for worker '{id}': a worker cannot follow itself; name another worker whose output is the Redis stream");
        }

        WorkerInfo info;
        try
        {
            info = await grains.Worker(upstream).GetInfoAsync(cancellationToken);
        }
        catch (Exception e) when (OverseerException.FindIn(e) is { Code: OverseerErrorCode.UnknownWorker })
        {
            throw OverseerException.Invalid($"invalid option upstream='{upstream}' for worker '{id}': no worker '{upstream}' exists; start it first (a worker whose output is the Redis stream: no handler, or a stream handler)");
        }

        if (info.EventHandler is { } handler && handlers.Find(handler) is { Output: HandlerOutput.Postgres })
        {
            throw OverseerException.Invalid(
                $"invalid option upstream='{upstream}' for worker '{id}': '{upstream}' writes to PostgreSQL (handler '{handler}') and has no Redis stream to follow; follow a worker whose output is the Redis stream (no handler, or a stream handler), e.g. the one '{upstream}' reads from");
        }

    }

    /// <summary>Registers <paramref name="id"/> as a follower of the upstream <paramref name="spec"/> names, if any: by
    /// the worker itself, once it has accepted the spec.</summary>
    public async Task FollowAsync(string id, WorkerSpec spec, CancellationToken cancellationToken)
    {
        if (UpstreamOf(spec) is { } upstream)
        {
            await Db.SetAddAsync(keys.Followers(upstream), id).WaitAsync(cancellationToken);
        }
    }

    /// <summary>Removes <paramref name="id"/> from the followers of the upstream <paramref name="spec"/> names, if any.</summary>
    public async Task UnfollowAsync(string id, WorkerSpec? spec, CancellationToken cancellationToken)
    {
        if (UpstreamOf(spec) is { } upstream)
        {
            await Db.SetRemoveAsync(keys.Followers(upstream), id).WaitAsync(cancellationToken);
        }
    }

    /// <summary>Refuses (<see cref="OverseerErrorCode.Conflict"/>) to <paramref name="action"/> worker <paramref name="id"/>
    /// while any <c>stream</c> worker follows it, naming them and what to do.</summary>
    public async Task EnsureNotFollowedAsync(string id, string action, CancellationToken cancellationToken)
    {
        var members = await Db.SetMembersAsync(keys.Followers(id)).WaitAsync(cancellationToken);
        if (members.Length == 0)
        {
            return;
        }

        var followers = new List<string>();
        foreach (var member in members.Select(m => (string)m!).Order(StringComparer.Ordinal))
        {
            if (await IsFollowerAsync(member, cancellationToken))
            {
                followers.Add(member);
            }
            else
            {
                await Db.SetRemoveAsync(keys.Followers(id), member).WaitAsync(cancellationToken);
            }
        }

        if (followers.Count > 0)
        {
            var named = string.Join(", ", followers.Take(MaxNamed).Select(f => $"'{f}'"));
            var more = followers.Count > MaxNamed ? $" and {followers.Count - MaxNamed} more" : "";
            var then = action == Deleted
                ? "then this worker"
                : "then rewind this worker and start them again: they re-read its stream from the start";
            throw OverseerException.Conflict(
                $"worker '{id}' cannot be {action}: stream workers follow its events ({named}{more}; source stream, upstream={id}) and would lose what they read; "
                + $"delete the followers first (overseer delete <id>), {then}");
        }
    }

    private async Task<bool> IsFollowerAsync(string member, CancellationToken cancellationToken)
    {
        try
        {
            var info = await grains.Worker(member).GetInfoAsync(cancellationToken);
            return info.Source == StreamSourceFactory.Kind;
        }
        catch (Exception e) when (OverseerException.FindIn(e) is { Code: OverseerErrorCode.UnknownWorker })
        {
            return false;
        }
    }
}
