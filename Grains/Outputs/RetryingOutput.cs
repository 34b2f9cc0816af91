using Overseer.Redis;
using Overseer.Sources;

namespace Overseer.Outputs;

/// <summary>The one place where an output's store outage is ridden out: every call of the wrapped output and its cursor
/// store goes through <see cref="StoreRetry"/> (Redis and PostgreSQL faults alike; see <see cref="StoreFaults"/>), so a
/// worker never sees an outage as a failure, and no call site retries by hand.</summary>
/// <remarks>A commit attempt is never abandoned halfway (the store's own timeout bounds it); only the wait between
/// attempts is cancellable, so a stop during an outage ends the retrying without leaving a commit's outcome unknown
/// to the store.</remarks>
internal sealed class RetryingOutput(IWorkerOutput inner, StoreRetry retry) : IWorkerOutput
{
    public ICursorStore Cursors { get; } = new RetryingCursorStore(inner.Cursors, retry);

    public IDeadLetters? DeadLetters { get; } = inner.DeadLetters is { } letters ? new RetryingDeadLetters(letters, retry) : null;

    public string? WhyEventsCannotBePassed => inner.WhyEventsCannotBePassed;

    /// <summary>The output without the retrying (for tests of its own rules).</summary>
    public IWorkerOutput Inner => inner;

    public Task<CommitResult> CommitAsync(string workerId, CommitBatch batch, CancellationToken cancellationToken) =>
        retry.ExecuteAsync(workerId, _ => inner.CommitAsync(workerId, batch, CancellationToken.None), cancellationToken);

    public Task<RollbackResult> RollBackAsync(string workerId, CommitRollback rollback, CancellationToken cancellationToken) =>
        retry.ExecuteAsync(workerId, _ => inner.RollBackAsync(workerId, rollback, CancellationToken.None), cancellationToken);

    public Task<long?> RewindAsync(string workerId, WorkerBinding binding, long generation, long toSeq, string? token, CancellationToken cancellationToken) =>
        retry.ExecuteAsync(workerId, ct => inner.RewindAsync(workerId, binding, generation, toSeq, token, ct), cancellationToken);

    public Task<long?> DeleteAsync(string workerId, WorkerBinding binding, long? generation, bool keepEffects, CancellationToken cancellationToken) =>
        retry.ExecuteAsync(workerId, ct => inner.DeleteAsync(workerId, binding, generation, keepEffects, ct), cancellationToken);

    public string? WhyEffectsCannotBeRemoved(WorkerBinding binding) => inner.WhyEffectsCannotBeRemoved(binding);

    public Task<(long Effects, bool HasCursor)> InspectAsync(string workerId, CancellationToken cancellationToken) =>
        retry.ExecuteAsync(workerId, ct => inner.InspectAsync(workerId, ct), cancellationToken);

    public Task<IReadOnlyList<SourceEvent>> ReadAsync(string workerId, long fromSeq, int count, CancellationToken cancellationToken) =>
        retry.ExecuteAsync(workerId, ct => inner.ReadAsync(workerId, fromSeq, count, ct), cancellationToken);

    private sealed class RetryingDeadLetters(IDeadLetters inner, StoreRetry retry) : IDeadLetters
    {
        public Task<Models.DeadLetter> ReplayAsync(string workerId, WorkerBinding binding, long seq, CancellationToken cancellationToken) =>
            retry.ExecuteAsync(workerId, ct => inner.ReplayAsync(workerId, binding, seq, ct), cancellationToken);

        public Task RecordFailureAsync(string workerId, long seq, string errorType, string error, CancellationToken cancellationToken) =>
            retry.ExecuteAsync(workerId, ct => inner.RecordFailureAsync(workerId, seq, errorType, error, ct), cancellationToken);

        public Task<bool> DiscardAsync(string workerId, long seq, CancellationToken cancellationToken) =>
            retry.ExecuteAsync(workerId, ct => inner.DiscardAsync(workerId, seq, ct), cancellationToken);

        public Task<long> CountAsync(string workerId, CancellationToken cancellationToken) =>
            retry.ExecuteAsync(workerId, ct => inner.CountAsync(workerId, ct), cancellationToken);

        public Task<Models.DeadLetterPage> ListAsync(string? workerId, Models.DeadLetterPosition? after, int limit, CancellationToken cancellationToken) =>
            retry.ExecuteAsync(workerId ?? "dead-letters", ct => inner.ListAsync(workerId, after, limit, ct), cancellationToken);
    }

    private sealed class RetryingCursorStore(ICursorStore inner, StoreRetry retry) : ICursorStore
    {
        public Task<WorkerCursor?> ClaimAsync(string workerId, bool start, int? acceptVersion, long? knownGeneration, CancellationToken cancellationToken) =>
            retry.ExecuteAsync(workerId, ct => inner.ClaimAsync(workerId, start, acceptVersion, knownGeneration, ct), cancellationToken);

        public Task<WorkerCursor?> CreateAsync(string workerId, long? knownGeneration, CancellationToken cancellationToken) =>
            retry.ExecuteAsync(workerId, ct => inner.CreateAsync(workerId, knownGeneration, ct), cancellationToken);

        public Task<WorkerCursor?> StopAsync(string workerId, long? knownGeneration, CancellationToken cancellationToken) =>
            retry.ExecuteAsync(workerId, ct => inner.StopAsync(workerId, knownGeneration, ct), cancellationToken);

        public Task<WorkerCursor> GetAsync(string workerId, CancellationToken cancellationToken) =>
            retry.ExecuteAsync(workerId, ct => inner.GetAsync(workerId, ct), cancellationToken);
    }
}
