using System.Globalization;
using Overseer.Models;
using Overseer.Outputs.Redis;

namespace Overseer.Sources.Streams;

/// <summary>A <c>stream</c> worker's view of its upstream's rollbacks (<see cref="RollbackLog"/>): how many of them its
/// committed events already reflect (<see cref="Seen"/>, carried in its source token and so committed atomically with
/// its checkpoint), and what to do when the upstream's count has grown past it.</summary>
/// <remarks>The rule: the follower's committed events must be the upstream's, up to the follower's checkpoint. A rollback
/// of the upstream to <c>toSeq</c> took back its entries after <c>toSeq</c>, so a follower whose checkpoint is above the
/// lowest <c>toSeq</c> it missed may hold entries that are gone, and rolls back to that <c>toSeq</c> (its own output's
/// rollback, which its own followers see in turn); one whose checkpoint is at or below it holds none of them, and only
/// takes the new count. Going back further than needed is always safe (the follower reads the same entries again), so a
/// follower that read entries of the new branch before it caught up with the count rolls them back too, and one that read
/// entries of the old branch just before the rollback has them rolled back at its next fetch, whichever came first.
/// <para>No token (a follower that never committed, was rewound to 0, or committed with a release before followers rolled
/// back) is a count of 0: the upstream's count began with that release, whose upstreams refused to roll back while
/// followed, so such a follower has seen every rollback counted before its events were read, or has read none.</para></remarks>
internal sealed class UpstreamRollbacks(string workerId, string upstream, string? resumeToken)
{
    private const string Prefix = "rb=";

    /// <summary>The upstream rollbacks the follower's events reflect.</summary>
    public long Seen { get; private set; } = SeenIn(workerId, resumeToken);

    /// <summary>The source token that records <see cref="Seen"/>, for the next batch or rollback.</summary>
    public string Token => Prefix + Seen.ToString(CultureInfo.InvariantCulture);

    /// <summary>The rollbacks of the upstream whose targets <see cref="CatchUp"/> needs, given the upstream's
    /// <paramref name="count"/> and the follower's checkpoint <paramref name="after"/>; null when it needs none (nothing
    /// missed, nothing committed, or more missed than the log keeps).</summary>
    public (long First, long Last)? ToRead(long count, long after) =>
        count > Seen && after > 0 && count - Seen <= RollbackLog.Kept ? (Seen + 1, count) : null;

    /// <summary>Takes the upstream's rollback <paramref name="count"/> as seen, after checking what the follower
    /// committed up to <paramref name="after"/> against the rollbacks it missed (<paramref name="targets"/>: number →
    /// toSeq, as <see cref="ToRead"/> asked).</summary>
    /// <exception cref="SourceRollbackException">The follower holds entries the upstream took back: its events after the
    /// lowest target must go. <see cref="Seen"/> is already the new count, which the exception's token carries.</exception>
    /// <exception cref="SourceHaltException">It cannot know which of its events the upstream took back: the log no longer
    /// holds a rollback it missed, or the upstream counts fewer rollbacks than it has seen.</exception>
    public void CatchUp(long count, long after, IReadOnlyDictionary<long, long> targets)
    {
        var seen = Seen;
        if (count == seen)
        {
            return;
        }

        if (count < seen)
        {
            throw new SourceHaltException(HaltReason.Reorg,
                $"stream worker '{workerId}' has caught up with {seen} rollbacks of its upstream '{upstream}', but '{upstream}' now counts {count}: its cursor was created again or Redis lost writes of it, "
                + $"so which of the events '{workerId}' committed up to seq {after} '{upstream}' still holds cannot be known; {Advice}");
        }

        if (after == 0)
        {
            // Nothing committed, nothing to take back.
            Seen = count;
            return;
        }

        long? lowest = null;
        for (var n = seen + 1; n <= count; n++)
        {
            if (!targets.TryGetValue(n, out var target))
            {
                throw new SourceHaltException(HaltReason.Reorg,
                    $"stream worker '{workerId}' cannot tell how far to roll back: its upstream '{upstream}' rolled back {count - seen} times since the {seen} rollbacks '{workerId}' has caught up with "
                    + $"(rollbacks {seen + 1}..{count}), and its rollback log keeps only the last {RollbackLog.Kept}, so which of the events '{workerId}' committed up to seq {after} it took back is unknown; {Advice}");
            }

            lowest = Math.Min(lowest ?? target, target);
        }

        Seen = count;
        if (lowest is { } to && to < after)
        {
            var which = count - seen == 1
                ? $"its rollback {count}"
                : $"the lowest target of its rollbacks {seen + 1}..{count}";
            throw new SourceRollbackException(to, Token, after - to, $"upstream '{upstream}' rolled back to seq {to} ({which}); worker '{workerId}' had committed up to seq {after}");
        }
    }

    private string Advice =>
        $"rewind '{workerId}' to 0 (overseer rewind {workerId} --to 0) so that it reads '{upstream}' again, then resume it";

    private static long SeenIn(string workerId, string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return 0;
        }

        return token.StartsWith(Prefix, StringComparison.Ordinal)
            && long.TryParse(token.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var seen)
            ? seen
            : throw new InvalidOperationException(
                $"stream worker '{workerId}' has the source token '{token}', which a stream source does not commit (it commits rb=<rollbacks of its upstream seen>); rewind it to 0 (overseer rewind {workerId} --to 0)");
    }
}
