using System.Runtime.CompilerServices;
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
    public async Task<T> ExecuteAsync<T>(string workerId, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workerId);
        ArgumentNullException.ThrowIfNull(operation);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(WorkerIdKey, workerId);

        // Polly resumes on the thread pool after a delay; every attempt must run where the caller runs (a grain's
        // activation scheduler: the operation may read the grain's state, which Orleans only allows there).
        var caller = (TaskScheduler.Current, operation);
        try
        {
            return await retry.Pipeline.ExecuteAsync(
                static async (ctx, state) => await RunOn(state.Current, state.operation, ctx.CancellationToken).ConfigureAwait(false), context, caller).ConfigureAwait(false);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not OperationCanceledException && StoreFaults.IsTransient(ex))
        {
            throw new OperationCanceledException($"Worker {workerId}: cancelled while {StoreFaults.StoreOf(ex)} was unavailable ({StoreFaults.Describe(ex)}).", ex, cancellationToken);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

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

    private static Task<T> RunOn<T>(TaskScheduler scheduler, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken) =>
        TaskScheduler.Current == scheduler
            ? operation(cancellationToken)
            : Task.Factory.StartNew(() => operation(cancellationToken), CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler).Unwrap();

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
