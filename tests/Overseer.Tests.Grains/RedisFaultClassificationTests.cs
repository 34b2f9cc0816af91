using System.Globalization;
using Orleans.Persistence.Redis;
using Overseer.Outputs;
using Overseer.Redis;
using Overseer.Testing;
using StackExchange.Redis;

namespace Overseer.Tests.Grains;

/// <summary>
/// What StackExchange.Redis really throws when a real redis-server is in trouble, and whether
/// <see cref="RedisFaults.IsTransient"/> calls it an outage. Each test gets its own server, so a fault cannot leak.
/// </summary>
[Trait("Category", "Faults")]
public sealed class RedisFaultClassificationTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private RedisServer redis = null!;
    private ConnectionMultiplexer mux = null!;

    private IDatabase Db => mux.GetDatabase();

    public async Task InitializeAsync()
    {
        redis = await RedisServer.StartNewAsync(["--enable-debug-command", "local", "--enable-protected-configs", "local"]);
        mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
    }

    public async Task DisposeAsync()
    {
        await mux.DisposeAsync();
        await redis.DisposeAsync();
    }

    [Fact]
    public async Task IsTransient_MaxMemoryReachedWithNoEviction_OomIsTransient()
    {
        await Db.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "noeviction");
        await Db.ExecuteAsync("CONFIG", "SET", "maxmemory", "1");

        var plain = await FailureOfAsync(() => Db.StringSetAsync("k", "v"));
        var scripted = await FailureOfAsync(() => Db.ScriptEvaluateAsync("redis.call('SET', KEYS[1], ARGV[1]) return 0", ["k"], ["v"]));
        await Db.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");

        AssertOutage(plain, "OOM");
        AssertOutage(scripted, "OOM");
    }

    [Fact]
    public async Task IsTransient_MinReplicasToWriteMissing_NoReplicasIsTransient()
    {
        await Db.ExecuteAsync("CONFIG", "SET", "min-replicas-to-write", "1");

        var plain = await FailureOfAsync(() => Db.StringSetAsync("k", "v"));
        var scripted = await FailureOfAsync(() => Db.ScriptEvaluateAsync("redis.call('SET', KEYS[1], ARGV[1]) return 0", ["k"], ["v"]));
        await Db.ExecuteAsync("CONFIG", "SET", "min-replicas-to-write", "0");

        AssertOutage(plain, "NOREPLICAS");
        AssertOutage(scripted, "NOREPLICAS");
    }

    [Fact]
    public async Task IsTransient_ServerTurnedIntoAReplica_WriteFailureIsTransient()
    {
        var deadPort = PortAllocator.GetFreePort();
        await Db.ExecuteAsync("REPLICAOF", "127.0.0.1", deadPort.ToString(CultureInfo.InvariantCulture));

        // A raw command goes to the server as it is; the client's own routing may also refuse a write to a known replica.
        var raw = await FailureOfAsync(() => Db.ExecuteAsync("SET", "k", "v"));
        var scripted = await FailureOfAsync(() => Db.ScriptEvaluateAsync("redis.call('SET', KEYS[1], ARGV[1]) return 0", ["k"], ["v"]));
        await Db.ExecuteAsync("REPLICAOF", "NO", "ONE");

        AssertOutage(raw, "READONLY");
        AssertOutage(scripted, expectedCode: null);
    }

    [Fact]
    public async Task IsTransient_ServerStuckInDebugSleep_TimeoutIsTransient()
    {
        await using var impatient = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",asyncTimeout=300,syncTimeout=300");
        await impatient.GetDatabase().PingAsync();

        var sleeping = Db.ExecuteAsync("DEBUG", "SLEEP", "3");
        // The two connections race: a write that reaches Redis before the sleep succeeds, the next one waits and times out.
        var timedOut = await Eventually.UntilAsync(
            () => FailureOfAsync(() => impatient.GetDatabase().StringSetAsync("k", "v")),
            ex => ex is RedisTimeoutException,
            Deadline,
            ex => $"a write during DEBUG SLEEP to time out; it failed with {ex.GetType().Name}: {ex.Message}");
        await sleeping;

        Assert.IsType<RedisTimeoutException>(timedOut);
        AssertOutage(timedOut, expectedCode: null);
    }

    [Fact]
    public async Task IsTransient_LongRunningScript_BusyIsTransient()
    {
        await Db.ExecuteAsync("CONFIG", "SET", "busy-reply-threshold", "100");
        await using var scripts = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var looping = scripts.GetDatabase().ExecuteAsync("EVAL", "while true do end", "0");

        // Until the script has run for the threshold Redis answers nobody; after it, everyone gets BUSY.
        var busy = await Eventually.UntilAsync(
            () => FailureOfAsync(() => Db.StringSetAsync("k", "v")),
            ex => ex is RedisServerException { Message: var m } && m.StartsWith("BUSY ", StringComparison.Ordinal),
            Deadline,
            ex => $"a write during the endless script to fail with BUSY; it failed with {ex.GetType().Name}: {ex.Message}");
        await Db.ExecuteAsync("SCRIPT", "KILL");
        var killed = await FailureOfAsync(() => looping);

        AssertOutage(busy, "BUSY");
        Assert.False(RedisFaults.IsTransient(killed), $"the killed script's own error is not an outage: {killed.GetType().Name}: {killed.Message}");
    }

    [Fact]
    public async Task IsTransient_BackgroundSaveFailing_MisconfIsTransient()
    {
        var gone = Directory.CreateTempSubdirectory("overseer-misconf-").FullName;
        await Db.ExecuteAsync("CONFIG", "SET", "save", "3600 1");
        await Db.ExecuteAsync("CONFIG", "SET", "dir", gone);
        Directory.Delete(gone);
        await Db.ExecuteAsync("BGSAVE");
        await Eventually.UntilAsync(
            async () => (string?)await Db.ExecuteAsync("INFO", "persistence") ?? string.Empty,
            info => info.Contains("rdb_last_bgsave_status:err", StringComparison.Ordinal),
            Deadline,
            info => $"the background save into a deleted directory to fail; INFO persistence said: {info}");

        var misconf = await FailureOfAsync(() => Db.StringSetAsync("k", "v"));
        await Db.ExecuteAsync("CONFIG", "SET", "dir", redis.DataDirectory);
        await Db.ExecuteAsync("CONFIG", "SET", "save", string.Empty);

        AssertOutage(misconf, "MISCONF");
    }

    [Fact]
    public async Task IsTransient_ServerStopped_ConnectionFailureIsTransient()
    {
        await redis.StopAsync();

        var down = await FailureOfAsync(() => Db.StringSetAsync("k", "v"));
        await redis.StartAsync();
        await Eventually.UntilAsync(async () => await Db.PingAsync() >= TimeSpan.Zero, Deadline, () => "the client to reconnect after the restart");

        Assert.True(down is RedisConnectionException or RedisTimeoutException, $"expected a connection failure or timeout, got {down.GetType().Name}: {down.Message}");
        AssertOutage(down, expectedCode: null);
    }

    [Fact]
    public async Task IsTransient_RealPermanentErrors_AreNotTransient()
    {
        await Db.StreamAddAsync("s", "f", "v");
        await Db.StreamCreateConsumerGroupAsync("s", "g", "0");
        await Db.StringSetAsync("str", "v");

        Exception[] permanent =
        [
            await FailureOfAsync(() => Db.ScriptEvaluateAsync("return redis.error_reply('OVERSEER checkpoint moved: expected 1, found 2')")),
            await FailureOfAsync(() => Db.StreamCreateConsumerGroupAsync("s", "g", "0")),
            await FailureOfAsync(() => Db.ListLeftPushAsync("str", "x")),
            await FailureOfAsync(() => Db.ExecuteAsync("NOSUCHCOMMAND")),
        ];

        Assert.All(permanent, ex =>
        {
            Assert.False(RedisFaults.IsTransient(ex), $"{ex.GetType().Name}: {ex.Message} is not an outage");
            Assert.False(RedisFaults.IsTransient(StorageWrapped(ex)), $"storage-wrapped {ex.GetType().Name}: {ex.Message} is not an outage");
        });
        Assert.StartsWith("OVERSEER", permanent[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("BUSYGROUP", permanent[1].Message, StringComparison.Ordinal);
    }

    /// <summary>Asserts that <paramref name="failure"/> is an outage as thrown, as the Orleans Redis storage rethrows it
    /// (text only) and as the grain's state bridge wraps that (with and without the inner exception).</summary>
    private static void AssertOutage(Exception failure, string? expectedCode)
    {
        var seen = $"{failure.GetType().FullName}: {failure.Message}";
        if (expectedCode is not null)
        {
            Assert.True(failure is RedisServerException && failure.Message.StartsWith(expectedCode, StringComparison.Ordinal), $"expected a {expectedCode} server error, got {seen}");
        }

        var storage = StorageWrapped(failure);
        var bridged = new OrleansException(
            $"Error from storage provider RedisGrainStorage.workers during WriteStateAsync for grain worker/w{Environment.NewLine} {storage}", storage);
        Assert.True(RedisFaults.IsTransient(failure), $"as thrown: {seen}");
        Assert.True(RedisFaults.IsTransient(storage), $"as the storage rethrows it: {storage.Message}");
        Assert.True(RedisFaults.IsTransient(bridged), $"as the state bridge wraps it: {bridged.Message}");
        Assert.True(RedisFaults.IsTransient(new OrleansException(bridged.Message)), $"as text only: {bridged.Message}");
    }

    /// <summary>Exactly what <c>RedisGrainStorage.WriteStateAsync</c> (Orleans 10.4) throws: a new
    /// <see cref="RedisStorageException"/> with no inner exception, the cause kept as <c>{Type}: {Message}</c>.</summary>
    private static RedisStorageException StorageWrapped(Exception exception) =>
        new(FormattableString.Invariant(
            $"Failed to write grain state for Overseer.Workers.WorkerGrain grain with ID worker/w and storage key svc/state/worker/w/worker. {exception.GetType()}: {exception.Message}"));

    private static async Task<Exception> FailureOfAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception ex)
        {
            return ex;
        }

        throw new Xunit.Sdk.XunitException("expected the Redis call to fail, but it succeeded");
    }
}
