using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Overseer.Outputs;

/// <summary>
/// The one retry for store calls: a Redis or PostgreSQL outage (<see cref="StoreFaults.IsTransient"/>) is ridden out with
/// exponential backoff and jitter from 50 ms up to 2 s, for as long as it lasts, and is never reported as a failure.
/// Anything else fails at once.
/// </summary>
/// <remarks>
/// There is no attempt limit on purpose: a worker that gave up on Redis would have to count a restart or end
/// Failed, and an outage is neither. The caller's token is the only way out. Cancellation wins: once the token is
/// cancelled the call ends with <see cref="OperationCanceledException"/>, never with the Redis fault it was riding
/// out, so a stop during an outage is not mistaken for a crash.
/// </remarks>
internal sealed partial class StoreRetry(TimeProvider time, ILogger<StoreRetry> logger)
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    private static readonly ResiliencePropertyKey<string> WorkerIdKey = new("overseer.worker-id");

    // Built once; the counter lives beside it because a field initializer cannot reach another instance field.
    private readonly (ResiliencePipeline Pipeline, StrongBox<long> Retries) retry = Build(time, logger);

    /// <summary>How many retries this instance has made so far, over all workers (for tests and metrics).</summary>
    public long Retries => Interlocked.Read(ref retry.Retries.Value);

    /// <summary>Runs <paramref name="operation"/>, retrying it while it fails with a Redis outage.</summary>
    /// <param name="workerId">Whose call this is; only for the log.</param>
    /// <param name="operation">The Redis call; it gets the token to pass on. It runs again from the start on each retry,
    /// so it must be safe to repeat (our writes are guarded by the checkpoint they expect).</param>
    /// <param name="cancellationToken">Stops the retrying.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <remarks>The first attempt runs outside the retry pipeline: nearly every call succeeds at once, and the pipeline's
    /// pooled context, property bag and strategy frames were 8 % of the CPU of a worker's start (perf, starts bench). A
    /// first attempt that fails is handed to the pipeline as the outcome of its own first attempt, so every failure is
    /// judged, logged, counted and backed off exactly as before.</remarks>
    public Task<T> ExecuteAsync<T>(string workerId, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workerId);
        ArgumentNullException.ThrowIfNull(operation);
        var caller = TaskScheduler.Current;
        if (cancellationToken.IsCancellationRequested)
        {
            return RetryAsync(workerId, new Attempts<T>(caller, operation, failed: null), cancellationToken);
        }

        Task<T> first;
        try
        {
            first = operation(cancellationToken);
        }
        catch (Exception ex)
        {
            first = Task.FromException<T>(ex);
        }

        return first.IsCompletedSuccessfully ? first : AfterFirstAsync(workerId, first, caller, operation, cancellationToken);
    }

    private async Task<T> AfterFirstAsync<T>(
        string workerId, Task<T> first, TaskScheduler caller, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        ExceptionDispatchInfo failed;
        try
        {
            return await first.ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            failed = ExceptionDispatchInfo.Capture(ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && StoreFaults.IsTransient(ex))
        {
            throw CancelledDuringOutage(workerId, ex, cancellationToken);
        }

        return await RetryAsync(workerId, new Attempts<T>(caller, operation, failed), cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> RetryAsync<T>(string workerId, Attempts<T> attempts, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(WorkerIdKey, workerId);
        try
        {
            return await retry.Pipeline.ExecuteAsync(
                static async (ctx, state) => await state.NextAsync(ctx.CancellationToken).ConfigureAwait(false), context, attempts).ConfigureAwait(false);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not OperationCanceledException && StoreFaults.IsTransient(ex))
        {
            throw CancelledDuringOutage(workerId, ex, cancellationToken);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Cancellation wins over the outage it interrupted.</summary>
    private static OperationCanceledException CancelledDuringOutage(string workerId, Exception outage, CancellationToken cancellationToken) =>
        new($"Worker {workerId}: cancelled while {StoreFaults.StoreOf(outage)} was unavailable ({StoreFaults.Describe(outage)}).", outage, cancellationToken);

    /// <inheritdoc cref="ExecuteAsync{T}(string, Func{CancellationToken, Task{T}}, CancellationToken)"/>
    public Task ExecuteAsync(string workerId, Func<CancellationToken, Task> operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return ExecuteAsync(
            workerId,
            async ct =>
            {
                await operation(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    /// <summary>The attempts of one call inside the pipeline: the first attempt's failure, when it was made outside, as the
    /// pipeline's first outcome; then the operation again, each time where the caller runs (Polly resumes on the thread
    /// pool after a delay, and the operation may read a grain's state, which Orleans only allows on its activation's
    /// scheduler).</summary>
    private sealed class Attempts<T>(TaskScheduler caller, Func<CancellationToken, Task<T>> operation, ExceptionDispatchInfo? failed)
    {
        private ExceptionDispatchInfo? _failed = failed;

        public Task<T> NextAsync(CancellationToken cancellationToken)
        {
            if (_failed is { } first)
            {
                _failed = null;
                return Task.FromException<T>(first.SourceException);
            }

            return TaskScheduler.Current == caller
                ? operation(cancellationToken)
                : Task.Factory.StartNew(() => operation(cancellationToken), CancellationToken.None, TaskCreationOptions.DenyChildAttach, caller).Unwrap();
        }
    }

    private static (ResiliencePipeline, StrongBox<long>) Build(TimeProvider time, ILogger<StoreRetry> logger)
    {
        var retries = new StrongBox<long>();
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = static args => ValueTask.FromResult(
                    args.Outcome.Exception is { } ex
                    && !args.Context.CancellationToken.IsCancellationRequested
                    && StoreFaults.IsTransient(ex)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = FirstDelay,
                MaxDelay = MaxDelay,
                OnRetry = args =>
                {
                    Interlocked.Increment(ref retries.Value);
                    var exception = args.Outcome.Exception!;
                    Log.StoreUnavailable(
                        logger,
                        args.Context.Properties.GetValue(WorkerIdKey, "?"),
                        StoreFaults.StoreOf(exception),
                        args.AttemptNumber + 1,
                        args.RetryDelay,
                        exception.GetType().Name,
                        StoreFaults.Describe(exception));
                    return default;
                },
            })
            .Build();
        return (pipeline, retries);
    }
}
