using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Orleans.Persistence.Redis;
using Orleans.Runtime;
using Overseer.Outputs;
using Overseer.Redis;
using StackExchange.Redis;

namespace Overseer.Tests.Unit;

public sealed partial class StoreRetryTests
{
    private static readonly TimeSpan Deadline = FakeClock.Deadline;

    private readonly FakeTimeProvider time = new();
    private readonly CapturingLogger<StoreRetry> logger = new();

    [Fact]
    public async Task ExecuteAsync_TransientFailuresThenSuccess_RetriesUntilItSucceeds()
    {
        var retry = new StoreRetry(time, logger);
        var attempts = 0;

        var result = await DriveAsync(retry.ExecuteAsync("w-1", _ =>
        {
            attempts++;
            return attempts <= 3 ? throw Unreachable() : Task.FromResult(42);
        }, CancellationToken.None));

        Assert.Equal(42, result);
        Assert.Equal(4, attempts);
        Assert.Equal(3, retry.Retries);
        var warnings = logger.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToArray();
        Assert.Equal(3, warnings.Length);
        for (var i = 0; i < warnings.Length; i++)
        {
            Assert.StartsWith($"Worker w-1: Redis is unavailable; retry {i + 1} in ", warnings[i]);
            Assert.Contains("RedisConnectionException: No connection is active/available", warnings[i]);
        }
    }

    [Fact]
    public async Task ExecuteAsync_RetriedAttempts_RunOnTheCallersScheduler()
    {
        // A grain's operation reads its state, which Orleans allows only on the activation's scheduler: a retry after a
        // backoff (which Polly resumes on the thread pool) must not run it anywhere else.
        var retry = new StoreRetry(time, logger);
        var exclusive = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
        var schedulers = new List<TaskScheduler>();

        var run = Task.Factory.StartNew(
            () => retry.ExecuteAsync("w-s", _ =>
            {
                schedulers.Add(TaskScheduler.Current);
                return schedulers.Count <= 2 ? throw Unreachable() : Task.FromResult(1);
            }, CancellationToken.None),
            CancellationToken.None,
            TaskCreationOptions.None,
            exclusive).Unwrap();
        await DriveAsync(run);

        Assert.Equal(3, schedulers.Count);
        Assert.All(schedulers, s => Assert.Same(exclusive, s));
    }

    [Fact]
    public async Task ExecuteAsync_StorageWrapperOutage_IsRiddenOutByTheVoidOverload()
    {
        var retry = new StoreRetry(time, logger);
        var attempts = 0;

        await DriveAsync(retry.ExecuteAsync("w-2", _ =>
        {
            attempts++;
            return attempts <= 2 ? throw StorageOutage() : Task.CompletedTask;
        }, CancellationToken.None));

        Assert.Equal(3, attempts);
        Assert.Equal(2, retry.Retries);
    }

    [Fact]
    public async Task ExecuteAsync_NonTransientError_FailsAtOnceWithoutRetry()
    {
        var retry = new StoreRetry(time, logger);
        var attempts = 0;
        var conflict = new RedisServerException(RedisErrorKind.Unknown, CommandFlags.None, "OVERSEER checkpoint moved: expected 10, found 12");

        var thrown = await Assert.ThrowsAsync<RedisServerException>(() => retry.ExecuteAsync<int>("w-3", _ =>
        {
            attempts++;
            throw conflict;
        }, CancellationToken.None));

        Assert.Same(conflict, thrown);
        Assert.Equal(1, attempts);
        Assert.Equal(0, retry.Retries);
        Assert.Empty(logger.Entries);
    }

    [Fact]
    public async Task ExecuteAsync_CancelledWhileWaitingToRetry_StopsWithOperationCanceled()
    {
        var retry = new StoreRetry(time, logger);
        using var cts = new CancellationTokenSource();
        var attempts = 0;

        // Time never advances, so the call is parked in the first backoff delay until the token is cancelled.
        var run = retry.ExecuteAsync<int>("w-4", _ =>
        {
            attempts++;
            throw Unreachable();
        }, cts.Token);
        await UntilAsync(() => retry.Retries == 1, "the first retry to be scheduled");
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(1, attempts);
    }

    [Theory]
    [InlineData(1)] // the first attempt runs outside the retry pipeline: its failure is judged by the same rules
    [InlineData(2)]
    public async Task ExecuteAsync_CancelledDuringAFailingAttempt_StopsWithOperationCanceledNotTheRedisFault(int cancelledDuring)
    {
        var retry = new StoreRetry(time, logger);
        using var cts = new CancellationTokenSource();
        var attempts = 0;

        var thrown = await Assert.ThrowsAsync<OperationCanceledException>(() => DriveAsync(retry.ExecuteAsync<int>("w-5", async _ =>
        {
            await Task.Yield();
            if (++attempts == cancelledDuring)
            {
                await cts.CancelAsync();
            }

            throw Unreachable();
        }, cts.Token)));

        Assert.Equal(cancelledDuring, attempts);
        Assert.Equal(cancelledDuring - 1, retry.Retries);
        Assert.IsType<RedisConnectionException>(thrown.InnerException);
        Assert.Equal(cts.Token, thrown.CancellationToken);
    }

    [Fact]
    public async Task ExecuteAsync_FirstAttemptFailsAsynchronously_IsRetriedAndLoggedAsTheFirstRetry()
    {
        var retry = new StoreRetry(time, logger);
        var attempts = 0;

        var result = await DriveAsync(retry.ExecuteAsync("w-8", async _ =>
        {
            await Task.Yield();
            return ++attempts == 1 ? throw Unreachable() : 7;
        }, CancellationToken.None));

        Assert.Equal(7, result);
        Assert.Equal(2, attempts);
        Assert.Equal(1, retry.Retries);
        Assert.Single(logger.Entries);
    }

    [Fact]
    public async Task ExecuteAsync_LongOutage_KeepsRetryingWithDelaysCappedAtTwoSeconds()
    {
        var retry = new StoreRetry(time, logger);
        var attempts = 0;

        await DriveAsync(retry.ExecuteAsync("w-6", _ => ++attempts <= 40 ? throw Unreachable() : Task.CompletedTask, CancellationToken.None));

        var delays = logger.Entries.Select(e => LoggedDelay().Match(e.Message)).Select(m => TimeSpan.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(40, delays.Length);
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, StoreRetry.MaxDelay));
        // Exponential growth: after a few attempts the delays are well past the 50 ms start.
        Assert.True(delays.Skip(10).Average(d => d.TotalMilliseconds) > 250, $"later delays stayed small: {string.Join(", ", delays)}");
    }

    private static RedisConnectionException Unreachable() =>
        new(ConnectionFailureType.UnableToConnect, CommandFlags.None, "No connection is active/available to service this operation: EVAL", null, CommandStatus.Unknown);

    private static OrleansException StorageOutage()
    {
        var storage = new RedisStorageException(
            "Failed to write grain state for worker grain with ID worker/w-2 and storage key svc/state/worker/w-2/worker. "
            + "StackExchange.Redis.RedisServerException: OOM command not allowed when used memory > 'maxmemory'.");
        return new OrleansException($"Error from storage provider RedisGrainStorage.workers during WriteStateAsync for grain worker/w-2{Environment.NewLine} {storage}", storage);
    }

    /// <summary>Advances the fake clock past any backoff delay until <paramref name="run"/> ends.</summary>
    private Task<T> DriveAsync<T>(Task<T> run) =>
        FakeClock.DriveAsync(time, StoreRetry.MaxDelay, run, () => $"{logger.Entries.Count} retries logged");

    private async Task DriveAsync(Task run) => await DriveAsync(run.ContinueWith(t => { t.GetAwaiter().GetResult(); return true; }, TaskScheduler.Default));

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Deadline, $"timed out after {Deadline.TotalSeconds:0} s waiting for {what}");
            await Task.Delay(5);
        }
    }

    [GeneratedRegex(@" in (\S+) after ")]
    private static partial Regex LoggedDelay();
}
