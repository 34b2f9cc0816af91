using Orleans.Persistence.Redis;
using Orleans.Runtime;
using Orleans.Storage;
using Overseer.Outputs;
using Overseer.Redis;
using StackExchange.Redis;

namespace Overseer.Tests.Unit;

public sealed class RedisFaultsTests
{
    public static TheoryData<string> TransientServerErrors =>
    [
        "LOADING Redis is loading the dataset in memory",
        "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSCRIPT.",
        "READONLY You can't write against a read only replica.",
        "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
        "TRYAGAIN Multiple keys request during rehashing of slot",
        "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
        "OOM command not allowed when used memory > 'maxmemory'.",
        "CLUSTERDOWN The cluster is down",
        "NOREPLICAS Not enough good replicas to write.",
        "OOM command not allowed when used memory > 'maxmemory'. script: 1f2e, on @user_script:3.",
        "MOVED 3999 127.0.0.1:6381",
        "ASK 3999 127.0.0.1:6381",
    ];

    public static TheoryData<string> PermanentServerErrors =>
    [
        "OVERSEER checkpoint moved: expected 10, found 12",
        "ERR Error running script: OVERSEER checkpoint moved",
        "BUSYGROUP Consumer Group name already exists",
        "BUSYKEY Target key name already exists.",
        "WRONGTYPE Operation against a key holding the wrong kind of value",
        "NOSCRIPT No matching script. Please use EVAL.",
        "ERR unknown command 'FOO'",
        "CROSSSLOT Keys in request don't hash to the same slot",
    ];

    [Theory]
    [MemberData(nameof(TransientServerErrors))]
    public void IsTransient_ServerErrorWithOutageCode_IsTrue(string message)
    {
        Assert.True(RedisFaults.IsTransient(Server(message)));
    }

    [Theory]
    [MemberData(nameof(PermanentServerErrors))]
    public void IsTransient_ServerErrorWithOtherCode_IsFalse(string message)
    {
        Assert.False(RedisFaults.IsTransient(Server(message)));
    }

    [Fact]
    public void IsTransient_ConnectionAndTimeout_AreTrue()
    {
        Assert.True(RedisFaults.IsTransient(new RedisConnectionException(ConnectionFailureType.SocketFailure, CommandFlags.None, "No connection is active/available to service this operation: EVAL", null, CommandStatus.Unknown)));
        Assert.True(RedisFaults.IsTransient(new RedisTimeoutException(CommandFlags.None, "Timeout awaiting response (outbound=0KiB, inbound=0KiB, 5000ms elapsed, timeout is 5000ms)", CommandStatus.Sent)));
    }

    [Fact]
    public void IsTransient_NotRedisOutages_AreFalse()
    {
        Assert.False(RedisFaults.IsTransient(new InconsistentStateException("Version conflict (WriteStateAsync): ETag=abc.")));
        Assert.False(RedisFaults.IsTransient(new ObjectDisposedException("ConnectionMultiplexer")));
        Assert.False(RedisFaults.IsTransient(new RedisCommandException("Command cannot be issued to a replica: SET")));
        Assert.False(RedisFaults.IsTransient(new TimeoutException("Response did not arrive on time in 00:00:30 for message")));
        Assert.False(RedisFaults.IsTransient(new OperationCanceledException()));
        Assert.False(RedisFaults.IsTransient(new InvalidOperationException("OOM command not allowed")));
        Assert.False(RedisFaults.IsTransient(new AggregateException()));
    }

    [Theory]
    [InlineData("StackExchange.Redis.RedisServerException: OOM command not allowed when used memory > 'maxmemory'. script: 1f2e, on @user_script:4.", true)]
    [InlineData("StackExchange.Redis.RedisServerException: READONLY You can't write against a read only replica. script: 1f2e, on @user_script:4.", true)]
    [InlineData("StackExchange.Redis.RedisServerException: BUSY Redis is busy running a script.", true)]
    [InlineData("StackExchange.Redis.RedisConnectionException: No connection is active/available to service this operation: EVAL", true)]
    [InlineData("StackExchange.Redis.RedisTimeoutException: Timeout awaiting response (outbound=0KiB, inbound=0KiB, 1012ms elapsed, timeout is 1000ms)", true)]
    [InlineData("StackExchange.Redis.RedisServerException: WRONGTYPE Operation against a key holding the wrong kind of value", false)]
    [InlineData("System.ObjectDisposedException: Cannot access a disposed object. Object name: 'ConnectionMultiplexer'.", false)]
    [InlineData("Orleans.Serialization.CodecNotFoundException: Could not find a codec for type Foo.", false)]
    public void IsTransient_StorageWrapperWithoutInner_ClassifiesByTheRedisErrorInItsMessage(string inner, bool expected)
    {
        var storage = StorageWriteFailure(inner);
        var bridged = Bridged(storage);
        var bridgedWithoutInner = new OrleansException(bridged.Message);

        Assert.Null(storage.InnerException);
        Assert.Equal(expected, RedisFaults.IsTransient(storage));
        Assert.Equal(expected, RedisFaults.IsTransient(bridged));
        Assert.Equal(expected, RedisFaults.IsTransient(bridgedWithoutInner));
        Assert.Equal(expected, RedisFaults.IsTransient(new AggregateException(bridged)));
    }

    [Fact]
    public void IsTransient_WrappersWithInner_FollowTheInnerException()
    {
        var oom = Server("OOM command not allowed when used memory > 'maxmemory'.");
        var conflict = Server("OVERSEER checkpoint moved: expected 1, found 2");

        Assert.True(RedisFaults.IsTransient(new OrleansException("Error from storage provider", oom)));
        Assert.True(RedisFaults.IsTransient(new RedisStorageException("Failed to write", oom)));
        Assert.True(RedisFaults.IsTransient(new AggregateException(oom, new RedisConnectionException(ConnectionFailureType.SocketClosed, CommandFlags.None, "closed", null, CommandStatus.Unknown))));
        Assert.False(RedisFaults.IsTransient(new OrleansException("Error from storage provider", conflict)));
        Assert.False(RedisFaults.IsTransient(new AggregateException(oom, conflict)));
        // An ETag conflict is an OrleansException too; the bridge rethrows it as it is.
        Assert.False(RedisFaults.IsTransient(new AggregateException(new InconsistentStateException("Version conflict"))));
    }

    [Fact]
    public void Describe_WrappedFault_NamesTheInnermostFailureOnOneLineWithoutPasswords()
    {
        var inner = new RedisConnectionException(ConnectionFailureType.AuthenticationFailure, CommandFlags.None, "It was not possible to connect: 127.0.0.1:6379,password=hunter2,abortConnect=false\nsecond line", null, CommandStatus.Unknown);

        var described = RedisFaults.Describe(new OrleansException("Error from storage provider", inner));

        Assert.Equal("RedisConnectionException: It was not possible to connect: 127.0.0.1:6379,password=***,abortConnect=false second line", described);
    }

    [Theory]
    [InlineData(RedisErrorKind.Loading, true)]
    [InlineData(RedisErrorKind.Busy, true)]
    [InlineData(RedisErrorKind.ReadOnly, true)]
    [InlineData(RedisErrorKind.OutOfMemory, true)]
    [InlineData(RedisErrorKind.NoReplicas, true)]
    [InlineData(RedisErrorKind.Misconfigured, true)]
    [InlineData(RedisErrorKind.Moved, true)]
    [InlineData(RedisErrorKind.Ask, true)]
    [InlineData(RedisErrorKind.UnknownRedirectTarget, true)]
    [InlineData(RedisErrorKind.CrossSlot, false)]
    [InlineData(RedisErrorKind.WrongType, false)]
    [InlineData(RedisErrorKind.NoScript, false)]
    [InlineData(RedisErrorKind.UnknownError, false)]
    public void IsTransient_ServerErrorKind_DecidesEvenWhenTheTextIsUnusual(RedisErrorKind kind, bool expected)
    {
        Assert.Equal(expected, RedisFaults.IsTransient(new RedisServerException(kind, CommandFlags.None, "error text")));
    }

    /// <summary>A server error as the text alone would classify it (the kind left to the fallback).</summary>
    private static RedisServerException Server(string message) => new(RedisErrorKind.Unknown, CommandFlags.None, message);

    /// <summary>What <c>RedisGrainStorage.WriteStateAsync</c> (10.4) throws: the inner error kept only as text.</summary>
    private static RedisStorageException StorageWriteFailure(string innerTypeAndMessage) =>
        new($"Failed to write grain state for Overseer.Workers.WorkerGrain grain with ID worker/w-1 and storage key svc/state/worker/w-1/worker. {innerTypeAndMessage}");

    /// <summary>What the grain's state bridge throws around a storage failure that is not an OrleansException.</summary>
    private static OrleansException Bridged(Exception storage) =>
        new($"Error from storage provider RedisGrainStorage.workers during WriteStateAsync for grain worker/w-1{Environment.NewLine} Exc level 0: {storage.GetType()}: {storage.Message}", storage);
}
