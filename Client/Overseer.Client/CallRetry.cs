using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;
using Overseer.Errors;
using Polly;
using Polly.Retry;

namespace Overseer.Client;

/// <summary>The one retry for client calls: a call that failed in transport (its gateway unreachable, the silo
/// behind the gateway gone, no answer in time) or that the cluster answered with
/// <see cref="OverseerErrorCode.Unavailable"/> (its store, e.g. Redis, or one of its silos is unreachable) is tried again,
/// through whichever gateway Orleans picks next, until <see cref="Budget"/> (<see cref="OverseerClientOptions.CallTimeout"/>)
/// has passed since the first attempt. Then it fails with a <see cref="ClusterUnreachableException"/>. Refusals and
/// faults inside the cluster (any other <see cref="OverseerException"/>) are never retried.</summary>
/// <remarks>
/// Why this is needed although Orleans itself marks a gateway dead after a failed connect and resends once: a client
/// started while a silo has just crashed reaches a live gateway, but that gateway still routes to the grains the dead
/// silo hosted (here: registry partitions, which every list asks) until membership declares it dead, about 15 s with
/// Orleans' default failure detection. Every attempt in that window is rejected fast
/// (<c>OrleansMessageRejectionException</c>: "Exception while sending message: ConnectionFailedException: Unable to
/// connect to S{dead silo}"); only waiting it out turns those failures into an answer. Hence a budget of its own
/// rather than <see cref="OverseerClientOptions.ConnectTimeout"/>, whose 15 s default ends just as that window does.
/// Only operations that are safe to repeat may go through here (all of <see cref="OverseerClient"/>'s are; it says
/// why). The last attempt starts before the budget ends and may finish after it: one attempt is bounded by Orleans'
/// <c>ClientMessagingOptions.ResponseTimeout</c>, not by this class. A grain whose activation failed reaches the caller as
/// the runtime's <c>OrleansException</c> around the contract's exception; the caller gets the contract's exception
/// (<see cref="OverseerException.FindIn"/>).
/// </remarks>
internal sealed partial class CallRetry
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);

    private static readonly ResiliencePropertyKey<long> StartedAtKey = new("overseer.call-started-at");
    private static readonly ResiliencePropertyKey<int> AttemptsKey = new("overseer.call-attempts");

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;

    public CallRetry(TimeSpan budget, TimeProvider time, ILogger<CallRetry> logger)
    {
        Budget = budget;
        _time = time;
        _logger = logger;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && IsRetryable(e) && Elapsed(args.Context) < Budget),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = FirstDelay,
                MaxDelay = MaxDelay,
                OnRetry = args =>
                {
                    args.Context.Properties.Set(AttemptsKey, args.AttemptNumber + 2);
                    var e = args.Outcome.Exception!;
                    if (Unavailable(e) is { } unavailable)
                    {
                        LogRetryingUnavailable(_logger, unavailable.Message, args.AttemptNumber + 1,
                            Elapsed(args.Context).TotalMilliseconds, args.RetryDelay.TotalMilliseconds);
                    }
                    else
                    {
                        LogRetrying(_logger, e.GetType().Name, CallFailures.FirstClause(e.Message), args.AttemptNumber + 1,
                            Elapsed(args.Context).TotalMilliseconds, args.RetryDelay.TotalMilliseconds);
                    }

                    return default;
                },
            })
            .Build();
    }

    /// <summary>A retry with the default budget, for an <see cref="OverseerClient"/> built by hand.</summary>
    public static CallRetry Default { get; } =
        new(OverseerClientOptions.DefaultCallTimeout, TimeProvider.System, NullLogger<CallRetry>.Instance);

    /// <summary>How long after the first attempt a retry may still start.</summary>
    public TimeSpan Budget { get; }

    /// <summary>Runs <paramref name="call"/>, again and again while it fails in transport and the budget lasts.</summary>
    /// <param name="call">The grain call; it runs again from the start on each retry, so it must be safe to repeat.</param>
    /// <param name="cancellationToken">Stops the retrying (between attempts; the call itself takes its own token).</param>
    /// <exception cref="ClusterUnreachableException">It still failed in transport, or the cluster still answered
    /// <see cref="OverseerErrorCode.Unavailable"/> (then that is its <see cref="Exception.InnerException"/>), when the
    /// budget ran out.</exception>
    /// <exception cref="OverseerException">The cluster refused the call, or failed inside.</exception>
    public async Task<T> ExecuteAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(StartedAtKey, _time.GetTimestamp());
        context.Properties.Set(AttemptsKey, 1);
        try
        {
            return await _pipeline.ExecuteAsync(static async (_, call) => await call().ConfigureAwait(false), context, call)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (IsRetryable(e))
        {
            var attempts = context.Properties.GetValue(AttemptsKey, 1);
            var elapsed = Elapsed(context);
            var unavailable = Unavailable(e);
            LogGaveUp(_logger, unavailable is null ? e.GetType().Name : nameof(OverseerErrorCode.Unavailable), attempts, elapsed.TotalSeconds);
            throw new ClusterUnreachableException(
                (unavailable is null
                    ? $"lost contact with the Overseer cluster: {CallFailures.FirstClause(e.Message)} "
                    : $"the Overseer cluster answered, but {unavailable.Message} ")
                + $"({attempts} attempt{(attempts == 1 ? "" : "s")} in {elapsed.TotalSeconds:0.#} s; "
                + $"wait longer with {OverseerClientOptions.CallTimeoutKey})",
                unavailable ?? e);
        }
        catch (Exception e) when (OverseerException.FindIn(e) is { } contract && !ReferenceEquals(contract, e))
        {
            // A grain whose activation failed: the runtime's OrleansException around the contract's exception.
            throw contract;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>What is retried: a transport failure (<see cref="CallFailures.IsTransport"/>), or the cluster saying it
    /// cannot serve the call right now.</summary>
    public static bool IsRetryable(Exception e) => CallFailures.IsTransport(e) || Unavailable(e) is not null;

    /// <summary>The cluster's answer that its store or one of its silos is unreachable, if <paramref name="e"/> is that.</summary>
    public static OverseerException? Unavailable(Exception e) =>
        OverseerException.FindIn(e) is { Code: OverseerErrorCode.Unavailable } unavailable ? unavailable : null;

    private TimeSpan Elapsed(ResilienceContext context) =>
        _time.GetElapsedTime(context.Properties.GetValue(StartedAtKey, _time.GetTimestamp()));
}
