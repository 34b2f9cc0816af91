using System.Collections.Immutable;
using Overseer.Outputs;
using Overseer.Sources;
using Overseer.Testing;

namespace Overseer.Tests.Grains;

/// <summary>The cursor contract of the atomic, fenced commit, the same for every output, against its real store:
/// generations, the stop fence, density, the source token, the pool lease, lost replies, restarts, create, delete and
/// rewind are all enforced by the store itself. Each output's test class runs every case here.</summary>
public abstract class OutputContractTests : IAsyncLifetime
{
    private protected OutputHarness _sink = null!;

    public async Task InitializeAsync() => _sink = await StartAsync();

    public async Task DisposeAsync() => await StopAsync();

    private protected abstract Task<OutputHarness> StartAsync();

    private protected abstract Task StopAsync();

    /// <summary>The store's clock in Unix ms (the lease is compared with it).</summary>
    private protected abstract Task<long> StoreNowMsAsync();

    /// <summary>kill -9 of the store's process and a start on the same data.</summary>
    private protected abstract Task RestartStoreAsync();

    private protected static SourceEvent[] Events(params long[] seqs) => [.. seqs.Select(i => new SourceEvent(i, $"p{i}"))];

    private protected static SourceEvent[] Range(long from, long to) => Events([.. Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => (long)i)]);

    private protected CommitBatch Batch(WorkerCursor cursor, long after, SourceEvent[] events, string? token = null, long lease = 0, SequenceDensity density = SequenceDensity.Dense) =>
        new(cursor.Generation, after, events, density, token, lease, _sink.Binding);

    private protected Task<CommitResult> CommitAsync(string id, CommitBatch batch) => _sink.CommitAsync(id, batch, CancellationToken.None);

    [Fact]
    public async Task Commit_FromAStaleGeneration_IsFenced_AndWritesNothing()
    {
        var stale = await _sink.ClaimAsync("w", start: true, CancellationToken.None);
        await CommitAsync("w", Batch(stale, 0, Range(1, 3)));
        var fresh = await _sink.ClaimAsync("w", start: false, CancellationToken.None);

        var fenced = await CommitAsync("w", Batch(stale, 3, Range(4, 6)));
        var committed = await CommitAsync("w", Batch(fresh, 3, Range(4, 5)));

        Assert.Equal(3, fresh.Checkpoint);
        Assert.Equal(CommitOutcome.Fenced, fenced.Outcome);
        Assert.Equal(CommitOutcome.Committed, committed.Outcome);
        Assert.Equal(5, committed.Checkpoint);
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, await SeqsAsync("w"));
    }

    [Fact]
    public async Task Commit_OfAnotherHandlerVersion_IsRefused_WritingNothing_UntilAnAcceptOrARewindToZero()
    {
        var cursor = await _sink.ClaimAsync("hv", start: true, CancellationToken.None);
        var first = await CommitAsync("hv", Batch(cursor, 0, Range(1, 3)) with { HandlerVersion = 1 });
        var recorded = await _sink.GetCursorAsync("hv", CancellationToken.None);

        // A newer and an older version are refused alike; the recorded one goes on.
        var newer = await CommitAsync("hv", Batch(cursor, 3, Range(4, 6)) with { HandlerVersion = 2 });
        var older = await CommitAsync("hv", Batch(cursor, 3, Range(4, 6)) with { HandlerVersion = 0 });
        var sameAgain = await CommitAsync("hv", Batch(cursor, 3, Range(4, 5)) with { HandlerVersion = 1 });

        // An accept records version 2 in the step that takes a new generation: the old run is fenced, and version 1 refused.
        var accepted = await _sink.Output.Cursors.AcceptAsync("hv", 2, CancellationToken.None);
        var oldRun = await CommitAsync("hv", Batch(cursor, 5, Range(6, 7)) with { HandlerVersion = 1 });
        var oldVersion = await CommitAsync("hv", Batch(accepted, 5, Range(6, 7)) with { HandlerVersion = 1 });
        var newVersion = await CommitAsync("hv", Batch(accepted, 5, Range(6, 7)) with { HandlerVersion = 2 });

        // A rewind to N > 0 keeps the version (its effects up to N remain); a rewind to 0 forgets it.
        var stop = await _sink.StopAsync("hv", CancellationToken.None);
        await _sink.RewindAsync("hv", stop.Generation, 2, null, CancellationToken.None);
        var afterPartialRewind = await _sink.ClaimAsync("hv", start: true, CancellationToken.None);
        var stop2 = await _sink.StopAsync("hv", CancellationToken.None);
        await _sink.RewindAsync("hv", stop2.Generation, 0, null, CancellationToken.None);
        var rebuilt = await _sink.ClaimAsync("hv", start: true, CancellationToken.None);
        var rebuild = await CommitAsync("hv", Batch(rebuilt, 0, Range(1, 2)) with { HandlerVersion = 3 });

        Assert.Null(cursor.HandlerVersion);
        Assert.Equal(CommitOutcome.Committed, first.Outcome);
        Assert.Equal(1, recorded.HandlerVersion);
        Assert.Equal(new CommitResult(CommitOutcome.VersionChanged, 3, 1), newer);
        Assert.Equal(new CommitResult(CommitOutcome.VersionChanged, 3, 1), older);
        Assert.Equal(CommitOutcome.Committed, sameAgain.Outcome);
        Assert.Equal((5L, 2), (accepted.Checkpoint, accepted.HandlerVersion));
        Assert.Equal(CommitOutcome.Fenced, oldRun.Outcome);
        Assert.Equal(new CommitResult(CommitOutcome.VersionChanged, 5, 2), oldVersion);
        Assert.Equal(CommitOutcome.Committed, newVersion.Outcome);
        Assert.Equal((2L, 2), (afterPartialRewind.Checkpoint, afterPartialRewind.HandlerVersion));
        Assert.Equal((0L, (int?)null), (rebuilt.Checkpoint, rebuilt.HandlerVersion));
        Assert.Equal(CommitOutcome.Committed, rebuild.Outcome);
        Assert.Equal(3, (await _sink.GetCursorAsync("hv", CancellationToken.None)).HandlerVersion);
        Assert.Equal(new long[] { 1, 2 }, await SeqsAsync("hv"));
    }

    [Fact]
    public async Task Commit_RetriedAfterALostReply_DoesNotWriteTwice()
    {
        var cursor = await _sink.ClaimAsync("r", start: true, CancellationToken.None);
        await CommitAsync("r", Batch(cursor, 0, Range(1, 4)));

        var retry = await CommitAsync("r", Batch(cursor, 0, Range(1, 4)));

        Assert.Equal(CommitOutcome.Committed, retry.Outcome);
        Assert.Equal(4, retry.Checkpoint);
        Assert.Equal(4, (await SeqsAsync("r")).Length);
    }

    [Fact]
    public async Task Commit_WhenTheStoreIsBehindTheExpectedCheckpoint_WritesNothing_AndSaysWhereTheStoreIs()
    {
        var cursor = await _sink.ClaimAsync("lost", start: true, CancellationToken.None);
        await CommitAsync("lost", Batch(cursor, 0, Range(1, 3)));
        // Redis lost the commit of 4..6 (cursor and events together), which the worker saw acknowledged.
        var next = await CommitAsync("lost", Batch(cursor, 6, Range(7, 9)));

        Assert.Equal(CommitOutcome.StoreBehind, next.Outcome);
        Assert.Equal(3, next.Checkpoint);
        Assert.Equal(new long[] { 1, 2, 3 }, await SeqsAsync("lost"));
        Assert.Equal(3, (await _sink.GetCursorAsync("lost", CancellationToken.None)).Checkpoint);
    }

    [Fact]
    public async Task Commit_WhenTheStoreIsAheadOfTheExpectedCheckpoint_WritesNothing_AndSaysWhereTheStoreIs()
    {
        var cursor = await _sink.ClaimAsync("ahead", start: true, CancellationToken.None);
        await CommitAsync("ahead", Batch(cursor, 0, Range(1, 6)));
        // The run knows only of 1..3 (it went back to another node's checkpoint during a failover) and commits 4..5.
        var next = await CommitAsync("ahead", Batch(cursor, 3, Range(4, 5)));

        Assert.Equal(CommitOutcome.StoreAhead, next.Outcome);
        Assert.Equal(6, next.Checkpoint);
        Assert.Equal(new long[] { 1, 2, 3, 4, 5, 6 }, await SeqsAsync("ahead"));
        Assert.Equal(6, (await _sink.GetCursorAsync("ahead", CancellationToken.None)).Checkpoint);
    }

    [Fact]
    public async Task RollBack_RemovesEverythingAfterTheTarget_MovesTheCheckpointAndToken_AndTheNextCommitFollowsIt()
    {
        // A running worker's rollback after a reorg: its own generation, no stop.
        var cursor = await _sink.ClaimAsync("rb", start: true, CancellationToken.None);
        await CommitAsync("rb", Batch(cursor, 0, Range(1, 10), token: "h10"));

        var rolled = await RollBackAsync("rb", cursor.Generation, checkpoint: 10, to: 4, token: "h4");
        var retried = await RollBackAsync("rb", cursor.Generation, checkpoint: 10, to: 4, token: "h4"); // its reply was lost
        var next = await CommitAsync("rb", Batch(cursor, 4, Range(5, 7), token: "h7'"));

        Assert.Equal((CommitOutcome.Committed, 4L, (string?)null), (rolled.Outcome, rolled.Checkpoint, rolled.Refusal));
        Assert.Equal((CommitOutcome.Committed, 4L), (retried.Outcome, retried.Checkpoint));
        Assert.Equal(0, retried.Removed);
        Assert.Equal(CommitOutcome.Committed, next.Outcome);
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), await SeqsAsync("rb"));
        var stored = await _sink.GetCursorAsync("rb", CancellationToken.None);
        Assert.Equal((7L, "h7'"), (stored.Checkpoint, stored.Token));
    }

    [Fact]
    public async Task RollBack_FromAStaleGeneration_IsFenced_AndUndoesNothing()
    {
        var cursor = await _sink.ClaimAsync("rbf", start: true, CancellationToken.None);
        await CommitAsync("rbf", Batch(cursor, 0, Range(1, 6), token: "h6"));
        var newer = await _sink.ClaimAsync("rbf", start: false, CancellationToken.None);

        var stale = await RollBackAsync("rbf", cursor.Generation, checkpoint: 6, to: 2, token: "h2");

        Assert.True(newer.Generation > cursor.Generation);
        Assert.Equal(CommitOutcome.Fenced, stale.Outcome);
        await AssertUntouchedAsync("rbf", 6, "h6");
    }

    [Fact]
    public async Task RollBack_WhenTheStoreIsBehindTheExpectedCheckpoint_UndoesNothing_AndSaysWhereTheStoreIs()
    {
        var cursor = await _sink.ClaimAsync("rbb", start: true, CancellationToken.None);
        await CommitAsync("rbb", Batch(cursor, 0, Range(1, 3), token: "h3"));

        // The run committed up to 6, but the store lost 4..6 (a restart, a failover).
        var behind = await RollBackAsync("rbb", cursor.Generation, checkpoint: 6, to: 2, token: "h2");

        Assert.Equal((CommitOutcome.StoreBehind, 3L, (string?)null), (behind.Outcome, behind.Checkpoint, behind.Refusal));
        await AssertUntouchedAsync("rbb", 3, "h3");
    }

    [Fact]
    public async Task RollBack_WhenTheStoreIsAheadOfTheExpectedCheckpoint_UndoesNothing_AndSaysWhereTheStoreIs()
    {
        var cursor = await _sink.ClaimAsync("rba", start: true, CancellationToken.None);
        await CommitAsync("rba", Batch(cursor, 0, Range(1, 6), token: "h6"));

        // The run knows only of 1..3 (it went back to another node's checkpoint during a failover) and its source found a
        // reorg below that: the store's own commits up to 6, with their token, are the truth to roll back from.
        var ahead = await RollBackAsync("rba", cursor.Generation, checkpoint: 3, to: 2, token: "h2");

        Assert.Equal((CommitOutcome.StoreAhead, 6L, (string?)null), (ahead.Outcome, ahead.Checkpoint, ahead.Refusal));
        await AssertUntouchedAsync("rba", 6, "h6");
    }

    private protected Task<RollbackResult> RollBackAsync(string id, long generation, long checkpoint, long to, string token) =>
        _sink.RollBackAsync(id, generation, checkpoint, to, token, CancellationToken.None);

    private async Task AssertUntouchedAsync(string id, long checkpoint, string token)
    {
        Assert.Equal(Enumerable.Range(1, (int)checkpoint).Select(i => (long)i), await SeqsAsync(id));
        var stored = await _sink.GetCursorAsync(id, CancellationToken.None);
        Assert.Equal((checkpoint, token), (stored.Checkpoint, stored.Token));
    }

    [Fact]
    public async Task Stop_FencesTheOwnerAndEveryLaterClaim_UntilAStartClearsIt()
    {
        // An activation that read the state before the stop (a duplicate, a paused silo) must neither commit nor claim.
        var running = await _sink.ClaimAsync("s", start: true, CancellationToken.None);
        await CommitAsync("s", Batch(running, 0, Range(1, 2)));

        var stop = await _sink.StopAsync("s", CancellationToken.None);
        var lateCommit = await CommitAsync("s", Batch(running, 2, Range(3, 4)));
        var lateClaim = await _sink.ClaimAsync("s", start: false, CancellationToken.None);
        var staleAfterLateClaim = await CommitAsync("s", Batch(lateClaim, 2, Range(3, 4)));
        var resumed = await _sink.ClaimAsync("s", start: true, CancellationToken.None);
        var afterResume = await CommitAsync("s", Batch(resumed, 2, Range(3, 4)));

        Assert.True(stop.Generation > running.Generation, "the stop must bump the generation");
        Assert.Equal(2, stop.Checkpoint);
        Assert.Equal(CommitOutcome.Fenced, lateCommit.Outcome);
        Assert.True(lateClaim.Stopped, "a claim while stopped must be refused");
        Assert.Equal(stop.Generation, lateClaim.Generation);
        Assert.Equal(CommitOutcome.Fenced, staleAfterLateClaim.Outcome);
        Assert.False(resumed.Stopped);
        Assert.True(resumed.Generation > stop.Generation);
        Assert.Equal(CommitOutcome.Committed, afterResume.Outcome);
        Assert.Equal(new long[] { 1, 2, 3, 4 }, await SeqsAsync("s"));
    }

    /// <summary>CI on c4a3be7, <c>StaleActivationTests</c>: a late delete reached a frozen silo's activation, which had sent
    /// its "am I current" read before the freeze and acted on its answer after it, by which time the worker had been
    /// deleted and started again elsewhere; its unconditional stop took the new worker's cursor, and the delete went on
    /// to remove it. A stop by an activation that has not seen the stored generation must change nothing.</summary>
    [Fact]
    public async Task Stop_ByAnActivationThatHasNotSeenTheStoredGeneration_ChangesNothing()
    {
        var old = await _sink.ClaimAsync("unseen", start: true, CancellationToken.None);
        await CommitAsync("unseen", Batch(old, 0, Range(1, 2)));
        var taken = await _sink.ClaimAsync("unseen", start: false, CancellationToken.None);
        await CommitAsync("unseen", Batch(taken, 2, Range(3, 4)));

        var refused = await _sink.StopKnowingAsync("unseen", old.Generation, CancellationToken.None);
        var afterRefusal = await CommitAsync("unseen", Batch(taken, 4, Range(5, 6)));
        var stopped = await _sink.StopKnowingAsync("unseen", taken.Generation, CancellationToken.None);

        Assert.Null(refused);
        Assert.Equal(CommitOutcome.Committed, afterRefusal.Outcome);
        Assert.NotNull(stopped);
        Assert.True(stopped.Value.Generation > taken.Generation, "a stop that knows the stored generation must bump it");
        Assert.Equal(6, stopped.Value.Checkpoint);
        Assert.Equal(CommitOutcome.Fenced, (await CommitAsync("unseen", Batch(taken, 6, Range(7, 8)))).Outcome);
        Assert.Equal(new long[] { 1, 2, 3, 4, 5, 6 }, await SeqsAsync("unseen"));
    }

    /// <summary>A start or resume held up after its checks (a frozen silo) while the operator stopped the worker must not
    /// clear that stop: its claim, by an activation that has not seen the stop's generation, changes nothing.</summary>
    [Fact]
    public async Task Start_ByAnActivationThatHasNotSeenTheStoredGeneration_ChangesNothing()
    {
        var first = await _sink.ClaimAsync("unseen-start", start: true, CancellationToken.None);
        await CommitAsync("unseen-start", Batch(first, 0, Range(1, 2)));
        var stop = await _sink.StopAsync("unseen-start", CancellationToken.None);

        var refused = await _sink.StartKnowingAsync("unseen-start", first.Generation, CancellationToken.None);
        var still = await _sink.GetCursorAsync("unseen-start", CancellationToken.None);
        var resumed = await _sink.StartKnowingAsync("unseen-start", stop.Generation, CancellationToken.None);

        Assert.Null(refused);
        Assert.Equal((stop.Generation, true, 2L), (still.Generation, still.Stopped, still.Checkpoint));
        Assert.NotNull(resumed);
        Assert.False(resumed.Value.Stopped);
        Assert.True(resumed.Value.Generation > stop.Generation, "a start that knows the stored generation must take a newer one");
        Assert.Equal(CommitOutcome.Committed, (await CommitAsync("unseen-start", Batch(resumed.Value, 2, Range(3, 4)))).Outcome);
    }

    /// <summary>A new worker's start held up after its checks (a frozen silo, on an activation that saw no worker) while the
    /// id was started elsewhere must not reset the live worker's cursor, even before it has committed anything: its create,
    /// by an activation that has not seen the live generation, changes nothing; one that has seen it creates afresh.</summary>
    [Fact]
    public async Task Create_ByAnActivationThatHasNotSeenTheStoredGeneration_ChangesNothing()
    {
        var live = await _sink.CreateAsync("unseen-create", CancellationToken.None) ?? throw new InvalidOperationException("no cursor created");

        var refused = await _sink.CreateKnowingAsync("unseen-create", 0, CancellationToken.None);
        var still = await _sink.GetCursorAsync("unseen-create", CancellationToken.None);
        var created = await _sink.CreateKnowingAsync("unseen-create", live.Generation, CancellationToken.None);

        Assert.Null(refused);
        Assert.Equal((live.Generation, false, 0L), (still.Generation, still.Stopped, still.Checkpoint));
        Assert.NotNull(created);
        Assert.True(created.Value.Generation > live.Generation, "a create that knows the stored generation must take a newer one");
        Assert.Equal(CommitOutcome.Fenced, (await CommitAsync("unseen-create", Batch(live, 0, Range(1, 2)))).Outcome);
        Assert.Equal(CommitOutcome.Committed, (await CommitAsync("unseen-create", Batch(created.Value, 0, Range(1, 2)))).Outcome);
    }

    /// <summary>A delete is a stop, then the removals; one held up after its stop (a frozen silo) while the worker was
    /// deleted and started again elsewhere must remove nothing of the new worker.</summary>
    [Fact]
    public async Task Delete_ByAStopperWhoseGenerationMovedOn_RemovesNothing_AndTheCurrentStoppersDoes()
    {
        var running = await _sink.ClaimAsync("held", start: true, CancellationToken.None);
        await CommitAsync("held", Batch(running, 0, Range(1, 3)));
        var heldUp = await _sink.StopAsync("held", CancellationToken.None);
        var again = await _sink.ClaimAsync("held", start: true, CancellationToken.None);
        await CommitAsync("held", Batch(again, 3, Range(4, 5)));

        var refused = await Assert.ThrowsAsync<GenerationMovedException>(() => _sink.DeleteAsync("held", heldUp.Generation, keepEvents: false, CancellationToken.None));
        var kept = await _sink.GetCursorAsync("held", CancellationToken.None);
        var keptSeqs = await SeqsAsync("held");
        var stop = await _sink.StopAsync("held", CancellationToken.None);
        await _sink.DeleteAsync("held", stop.Generation, keepEvents: false, CancellationToken.None);

        Assert.Contains("moved on", refused.Message, StringComparison.Ordinal);
        Assert.Equal((again.Generation, 5L, false), (kept.Generation, kept.Checkpoint, kept.Stopped));
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, keptSeqs);
        Assert.Equal((0L, false), await _sink.InspectAsync("held", CancellationToken.None));
        Assert.Empty(await SeqsAsync("held"));
    }

    [Theory]
    [InlineData(new long[] { 4, 5 })]
    [InlineData(new long[] { 3, 5 })]
    public async Task Commit_DenseSequenceWithAGap_IsRefused_AndWritesNothing(long[] seqs)
    {
        var cursor = await _sink.ClaimAsync("g", start: true, CancellationToken.None);
        await CommitAsync("g", Batch(cursor, 0, Range(1, 2)));

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => CommitAsync("g", Batch(cursor, 2, Events(seqs))));

        Assert.Contains("dense", refused.Message);
        Assert.Contains("'g'", refused.Message);
        Assert.Equal(2, (await _sink.GetCursorAsync("g", CancellationToken.None)).Checkpoint);
        Assert.Equal(2, (await SeqsAsync("g")).Length);
    }

    [Fact]
    public async Task Commit_SparseSequenceWithGaps_IsCommitted()
    {
        var cursor = await _sink.ClaimAsync("sp", start: true, CancellationToken.None);

        var result = await CommitAsync("sp", Batch(cursor, 0, Events(10, 12, 40), density: SequenceDensity.Sparse));

        Assert.Equal(CommitOutcome.Committed, result.Outcome);
        Assert.Equal(new long[] { 10, 12, 40 }, await SeqsAsync("sp"));
    }

    [Fact]
    public async Task Commit_WithAToken_StoresItAtomically_AndAClaimHandsItBack()
    {
        var cursor = await _sink.ClaimAsync("t", start: true, CancellationToken.None);
        await CommitAsync("t", Batch(cursor, 0, Range(1, 3), token: "0xabc"));
        await CommitAsync("t", Batch(cursor, 3, Range(4, 4), token: null));

        var next = await _sink.ClaimAsync("t", start: false, CancellationToken.None);

        Assert.Equal(4, next.Checkpoint);
        Assert.Equal("0xabc", next.Token);
        Assert.Null((await _sink.ClaimAsync("fresh", start: true, CancellationToken.None)).Token);
    }

    [Fact]
    public async Task Commit_AfterTheLeaseExpired_IsRefused_AndWritesNothing()
    {
        var cursor = await _sink.ClaimAsync("l", start: true, CancellationToken.None);
        var now = await StoreNowMsAsync();

        var expired = await CommitAsync("l", Batch(cursor, 0, Range(1, 2), lease: now - 1));
        var valid = await CommitAsync("l", Batch(cursor, 0, Range(1, 2), lease: now + 60_000));

        Assert.Equal(CommitOutcome.LeaseExpired, expired.Outcome);
        Assert.Equal(CommitOutcome.Committed, valid.Outcome);
        Assert.Equal(2, (await SeqsAsync("l")).Length);
    }

    [Fact]
    public async Task Commit_SurvivesAKillAndRestartOfTheStore()
    {
        var cursor = await _sink.ClaimAsync("d", start: true, CancellationToken.None);
        await CommitAsync("d", Batch(cursor, 0, Range(1, 10), token: "h10"));

        await RestartStoreAsync();
        var stored = await Eventually.UntilAsync(
            async () => { try { return await _sink.GetCursorAsync("d", CancellationToken.None); } catch (Exception ex) when (StoreFaults.IsTransient(ex)) { return new WorkerCursor(-1, -1, null, false); } },
            c => c.Checkpoint >= 0,
            TimeSpan.FromSeconds(20),
            c => $"the store to answer after restart (checkpoint {c.Checkpoint})");

        Assert.Equal(10, stored.Checkpoint);
        Assert.Equal("h10", stored.Token);
        Assert.Equal(10, (await SeqsAsync("d")).Length);
    }

    private protected Task<long[]> SeqsAsync(string id) => _sink.SeqsAsync(id);

    [Fact]
    public async Task Continue_NeverCreatesACursor_OnlyAStartOrACreateDoes()
    {
        var none = await _sink.ClaimAsync("nc", start: false, CancellationToken.None);
        var created = await _sink.CreateAsync("nc", CancellationToken.None);
        var next = await _sink.ClaimAsync("nc", start: false, CancellationToken.None);

        Assert.True(none.Stopped, "a continue claim on a worker without a cursor must not claim");
        Assert.Equal(new WorkerCursor(created!.Value.Generation, 0, null, false), created);
        // One above, or the store's clock if it has passed that since (Generations): higher, in any case.
        Assert.True(next.Generation > created.Value.Generation, $"the claim's generation {next.Generation} must be above the create's, {created.Value.Generation}");
        Assert.Equal(new WorkerCursor(next.Generation, 0, null, false), next);
    }

    /// <summary>Drill seed 114: an activation of a deleted worker, still running on a frozen silo, took the cursor of the
    /// worker started again under its id for its own, because generations began again at 1 after the delete. Now a
    /// generation is never below the store's clock in hundredths of a second (<c>Generations</c>): once the clock has
    /// passed the deleted worker's last generation, which a delete and a start through the grains take far longer than,
    /// the new worker begins above every generation the old one held.</summary>
    [Fact]
    public async Task Create_AfterADelete_BeginsAboveEveryGenerationTheDeletedWorkerHeld()
    {
        var first = await _sink.ClaimAsync("again", start: true, CancellationToken.None);
        var again = first;
        for (var i = 0; i < 5; i++)
        {
            again = await _sink.ClaimAsync("again", start: false, CancellationToken.None);
        }

        var stop = await _sink.StopAsync("again", CancellationToken.None);
        await _sink.DeleteAsync("again", keepEvents: false, CancellationToken.None);
        var passedAtMs = (stop.Generation + 157_783_680_000L + 1) * 10;
        await Eventually.UntilAsync(StoreNowMsAsync, now => now >= passedAtMs, TimeSpan.FromSeconds(5), now => $"the store's clock ({now} ms) to pass generation {stop.Generation} ({passedAtMs} ms)");
        var created = await _sink.CreateAsync("again", CancellationToken.None);
        var claimed = await _sink.ClaimAsync("again", start: false, CancellationToken.None);

        Assert.True(again.Generation > first.Generation && stop.Generation > again.Generation, $"generations must grow: {first.Generation}, {again.Generation}, {stop.Generation}");
        Assert.True(created!.Value.Generation > stop.Generation, $"the new worker's first generation {created.Value.Generation} must be above the deleted one's last, {stop.Generation}");
        Assert.True(claimed.Generation > created.Value.Generation);
    }

    [Fact]
    public async Task Rewind_RemovesEverythingAfterTheTarget_AndTheNextCommitFollowsIt()
    {
        var cursor = await _sink.ClaimAsync("rw", start: true, CancellationToken.None);
        await CommitAsync("rw", Batch(cursor, 0, Range(1, 12_345), token: "h12345"));
        var stop = await _sink.StopAsync("rw", CancellationToken.None);

        var removed = await _sink.RewindAsync("rw", stop.Generation, 40, "h40", CancellationToken.None);
        var resumed = await _sink.ClaimAsync("rw", start: true, CancellationToken.None);
        var commit = await CommitAsync("rw", Batch(resumed, 40, Range(41, 45), token: "h45"));

        Assert.Equal(_sink.CountsEffects ? 12_305 : null, removed);
        Assert.Equal(40, resumed.Checkpoint);
        Assert.Equal("h40", resumed.Token);
        Assert.Equal(CommitOutcome.Committed, commit.Outcome);
        Assert.Equal(Enumerable.Range(1, 45).Select(i => (long)i), await SeqsAsync("rw"));
    }

    [Fact]
    public async Task Rewind_ToZero_EmptiesTheStream_AndClearsTheToken()
    {
        var cursor = await _sink.ClaimAsync("rz", start: true, CancellationToken.None);
        await CommitAsync("rz", Batch(cursor, 0, Range(1, 10), token: "h10"));
        var stop = await _sink.StopAsync("rz", CancellationToken.None);

        Assert.Equal(_sink.CountsEffects ? 10 : null, await _sink.RewindAsync("rz", stop.Generation, 0, null, CancellationToken.None));
        var resumed = await _sink.ClaimAsync("rz", start: true, CancellationToken.None);
        Assert.True(resumed.Generation > stop.Generation, $"the resume's generation {resumed.Generation} must be above the stop's, {stop.Generation}");
        Assert.Equal(new WorkerCursor(resumed.Generation, 0, null, false), resumed);
        Assert.Equal(CommitOutcome.Committed, (await CommitAsync("rz", Batch(resumed, 0, Range(1, 2)))).Outcome);
        Assert.Equal(new long[] { 1, 2 }, await SeqsAsync("rz"));
    }

    [Fact]
    public async Task Rewind_IsRefused_UnlessTheStopperStillOwnsAStoppedCursor_OrBeyondTheCheckpoint()
    {
        var cursor = await _sink.ClaimAsync("rf", start: true, CancellationToken.None);
        await CommitAsync("rf", Batch(cursor, 0, Range(1, 10)));

        var running = await Assert.ThrowsAsync<InvalidOperationException>(() => _sink.RewindAsync("rf", cursor.Generation, 5, null, CancellationToken.None));
        var stop = await _sink.StopAsync("rf", CancellationToken.None);
        var beyond = await Assert.ThrowsAsync<InvalidOperationException>(() => _sink.RewindAsync("rf", stop.Generation, 11, null, CancellationToken.None));
        await _sink.ClaimAsync("rf", start: true, CancellationToken.None);
        var stale = await Assert.ThrowsAsync<InvalidOperationException>(() => _sink.RewindAsync("rf", stop.Generation, 5, null, CancellationToken.None));

        Assert.Contains("fenced", running.Message);
        Assert.Contains("rewind target 11 is beyond the checkpoint 10", beyond.Message);
        Assert.Contains("fenced", stale.Message);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), await SeqsAsync("rf"));
    }
}
