using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using Overseer.Client;
using Overseer.Errors;

namespace Overseer.Tests.Unit;

public sealed class CallRetryTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(15);

    private readonly FakeTimeProvider time = new();
    private readonly CapturingLogger<CallRetry> logger = new();

    [Fact]
    public async Task ExecuteAsync_GatewayUnreachableTwice_RetriesUntilAnotherGatewayAnswers()
    {
        var retry = new CallRetry(Budget, time, logger);
        var attempts = 0;

        var result = await DriveAsync(retry.ExecuteAsync(() =>
        {
            attempts++;
            return attempts <= 2 ? throw new ConnectionFailedException("Unable to connect to S127.0.0.1:30001:0, will retry after 900ms") : Task.FromResult(7);
        }, CancellationToken.None));

        Assert.Equal(7, result);
        Assert.Equal(3, attempts);
        var retries = logger.Entries.Where(e => e.Level == LogLevel.Debug).Select(e => e.Message).ToArray();
        Assert.Equal(2, retries.Length);
        Assert.StartsWith("Call failed in transport (ConnectionFailedException: Unable to connect to S127.0.0.1:30001:0, will retry after 900ms) on attempt 1,", retries[0]);
    }

    [Fact]
    public async Task ExecuteAsync_Refusal_FailsAtOnceWithoutRetry()
    {
        var retry = new CallRetry(Budget, time, logger);
        var attempts = 0;
        var refusal = OverseerException.Invalid("invalid limit 0: expected 1..1000 per page");

        var thrown = await Assert.ThrowsAsync<OverseerException>(() => retry.ExecuteAsync<int>(() =>
        {
            attempts++;
            throw refusal;
        }, CancellationToken.None));

        Assert.Same(refusal, thrown);
        Assert.Equal(1, attempts);
        Assert.Empty(logger.Entries);
    }

    [Fact]
    public async Task ExecuteAsync_UnreachableForTheWholeBudget_FailsWithClusterUnreachableNamingTheSetting()
    {
        var retry = new CallRetry(Budget, time, logger);
        var attempts = 0;
        var started = time.GetTimestamp();

        var thrown = await Assert.ThrowsAsync<ClusterUnreachableException>(() => DriveAsync(retry.ExecuteAsync<int>(() =>
        {
            attempts++;
            throw new SiloUnavailableException("The target silo became unavailable for message: Request [...]");
        }, CancellationToken.None)));

        var elapsed = time.GetElapsedTime(started);
        Assert.InRange(elapsed, Budget, Budget + CallRetry.MaxDelay);
        Assert.IsType<SiloUnavailableException>(thrown.InnerException);
        Assert.StartsWith("lost contact with the Overseer cluster: The target silo became unavailable (", thrown.Message);
        Assert.Contains($"{attempts} attempts in ", thrown.Message);
        Assert.EndsWith("wait longer with Overseer:Client:CallTimeout)", thrown.Message);
    }

    [Fact]
    public async Task ExecuteAsync_CancelledWhileRetrying_StopsWithOperationCanceled()
    {
        var retry = new CallRetry(Budget, time, logger);
        using var cancellation = new CancellationTokenSource();
        var attempts = 0;

        var run = retry.ExecuteAsync<int>(() =>
        {
            attempts++;
            cancellation.Cancel();
            throw new TimeoutException("Response did not arrive on time in 00:00:30 for message: Request [...]");
        }, cancellation.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DriveAsync(run));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task ExecuteAsync_StoreUnavailableForTheWholeBudget_RetriesThenFailsWithClusterUnreachableAroundTheContractsException()
    {
        var retry = new CallRetry(Budget, time, logger);
        var attempts = 0;
        var unavailable = OverseerException.Unavailable("Redis is unavailable: Timeout awaiting response");

        // As a grain whose activation failed answers: the runtime's OrleansException around the contract's exception.
        var thrown = await Assert.ThrowsAsync<ClusterUnreachableException>(() => DriveAsync(retry.ExecuteAsync<int>(() =>
        {
            attempts++;
            throw new OrleansException("Error from storage provider RedisGrainStorage.overseer during ReadStateAsync for grain worker/w-1", unavailable);
        }, CancellationToken.None)));

        Assert.Same(unavailable, thrown.InnerException);
        Assert.True(attempts > 2, $"{attempts} attempts");
        Assert.StartsWith("the Overseer cluster answered, but Redis is unavailable: Timeout awaiting response (", thrown.Message);
        Assert.EndsWith("wait longer with Overseer:Client:CallTimeout)", thrown.Message);
        Assert.StartsWith("Call failed: Redis is unavailable: Timeout awaiting response (the cluster is unavailable) on attempt 1,",
            logger.Entries.First(e => e.Level == LogLevel.Debug).Message);
    }

    [Fact]
    public async Task ExecuteAsync_StoreUnavailableOnce_RetriesUntilTheClusterAnswers()
    {
        var retry = new CallRetry(Budget, time, logger);
        var attempts = 0;

        var result = await DriveAsync(retry.ExecuteAsync(() =>
        {
            attempts++;
            return attempts == 1 ? throw OverseerException.Unavailable("Redis is unavailable: LOADING") : Task.FromResult(7);
        }, CancellationToken.None));

        Assert.Equal(7, result);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task ExecuteAsync_ContractExceptionInsideTheRuntimesWrapper_FailsAtOnceWithTheContractsException()
    {
        var retry = new CallRetry(Budget, time, logger);
        var attempts = 0;
        var internalError = OverseerException.Internal("internal error in the cluster (the silo logged it): RedisStorageException: Failed to read grain state");

        var thrown = await Assert.ThrowsAsync<OverseerException>(() => retry.ExecuteAsync<int>(() =>
        {
            attempts++;
            throw new OrleansException("Error from storage provider RedisGrainStorage.overseer during ReadStateAsync for grain worker/w-1", internalError);
        }, CancellationToken.None));

        Assert.Same(internalError, thrown);
        Assert.Equal(1, attempts);
    }

    private Task<T> DriveAsync<T>(Task<T> run) =>
        FakeClock.DriveAsync(time, CallRetry.FirstDelay, run, () => $"{logger.Entries.Count} retries logged");
}
