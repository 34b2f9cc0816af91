using Npgsql;
using Orleans.Persistence.Redis;
using Orleans.Runtime;
using Orleans.Storage;
using Overseer.Errors;
using Overseer.Outputs;
using StackExchange.Redis;

namespace Overseer.Tests.Unit;

/// <summary>The one rule for what leaves a grain (<see cref="ContractFaults"/>): only the contract's exceptions, with a
/// store outage as <see cref="OverseerErrorCode.Unavailable"/> naming the store, and never an inner exception.</summary>
public sealed class ContractFaultsTests
{
    public static TheoryData<Exception, string> StoreOutages => new()
    {
        {
            ReadFailure("StackExchange.Redis.RedisConnectionException: No connection is active/available to service this operation: HGETALL svc/state/worker/w-1/worker; UnableToConnect on 127.0.0.1:6379/Interactive, Initializing/NotStarted, last: NONE"),
            "Redis is unavailable: No connection is active/available to service this operation: HGETALL svc/state/worker/w-1/worker"
        },
        {
            Bridged(ReadFailure("StackExchange.Redis.RedisTimeoutException: Timeout awaiting response (outbound=0KiB, inbound=0KiB, 2004ms elapsed, timeout is 2000ms), command=HGETALL, inst: 0")),
            "Redis is unavailable: Timeout awaiting response"
        },
        {
            ReadFailure("StackExchange.Redis.RedisServerException: LOADING Redis is loading the dataset in memory"),
            "Redis is unavailable: LOADING Redis is loading the dataset in memory"
        },
        {
            new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None,
                "It was not possible to connect to the redis server(s). Error connecting right now. To allow this multiplexer to continue retrying until it's able to connect, use abortConnect=false", null, CommandStatus.Unknown),
            "Redis is unavailable: It was not possible to connect to the redis server(s)"
        },
        {
            new RedisTimeoutException(CommandFlags.None, "Timeout awaiting response (outbound=0KiB, inbound=0KiB, 5000ms elapsed, timeout is 5000ms)", CommandStatus.Sent),
            "Redis is unavailable: Timeout awaiting response"
        },
        {
            new NpgsqlException("Exception while reading from stream", new IOException("Connection reset by peer")),
            "PostgreSQL is unavailable: Exception while reading from stream"
        },
    };

    [Theory]
    [MemberData(nameof(StoreOutages))]
    public void ToContract_StoreOutage_IsUnavailableNamingTheStoreAndTheCause(Exception outage, string expected)
    {
        var contract = Assert.IsType<OverseerException>(ContractFaults.ToContract(outage));

        Assert.Equal(OverseerErrorCode.Unavailable, contract.Code);
        Assert.Equal(expected, contract.Message);
        Assert.Null(contract.InnerException);
        Assert.DoesNotMatch(@"\w+Exception:", contract.Message);
    }

    [Fact]
    public void ToContract_ContractException_PassesAsItIs_AlsoFromInsideTheRuntimesWrapper()
    {
        var conflict = OverseerException.Conflict("worker 'w-1' is running with a different spec");
        var unavailable = OverseerException.Unavailable("Redis is unavailable: Timeout awaiting response");

        Assert.Same(conflict, ContractFaults.ToContract(conflict));
        Assert.Same(unavailable, ContractFaults.ToContract(Bridged(unavailable)));
        Assert.Same(unavailable, ContractFaults.ToContract(new AggregateException(Bridged(unavailable))));
    }

    [Fact]
    public void ToContract_Cancellation_StaysACancellationWithoutWhatItWasWaitingOut()
    {
        var plain = new OperationCanceledException("stopped");
        var duringOutage = new OperationCanceledException("Worker w-1: cancelled while Redis was unavailable", ReadFailure("StackExchange.Redis.RedisTimeoutException: Timeout"));

        var translated = Assert.IsType<OperationCanceledException>(ContractFaults.ToContract(duringOutage));

        Assert.Same(plain, ContractFaults.ToContract(plain));
        Assert.Equal(duringOutage.Message, translated.Message);
        Assert.Null(translated.InnerException);
    }

    [Fact]
    public void ToContract_CallToAnotherSiloThatDidNotAnswer_IsUnavailable()
    {
        var timeout = new TimeoutException("Response did not arrive on time in 00:00:30 for message: Request [S127.0.0.1:11111:0 partition/3]");

        var contract = Assert.IsType<OverseerException>(ContractFaults.ToContract(timeout));

        Assert.Equal(OverseerErrorCode.Unavailable, contract.Code);
        Assert.Equal("a silo of the cluster is unreachable: Response did not arrive on time in 00:00:30", contract.Message);
    }

    [Theory]
    [InlineData("Trying to register worker/w-1 on invalid silo: S127.0.0.1:11112:146517689. Known status: Dead")]
    [InlineData("Silo S127.0.0.1:11111:0 is not stable to perform the lookup for grain worker/w-1 (it maps to S127.0.0.1:11112:0, which is not a valid silo). Retry later.")]
    public void ToContract_DirectoryChangingHandsAfterASiloLeft_IsUnavailable(string message)
    {
        var contract = Assert.IsType<OverseerException>(ContractFaults.ToContract(new OrleansException(message)));

        Assert.Equal(OverseerErrorCode.Unavailable, contract.Code);
        Assert.StartsWith("the cluster's grain directory is changing hands after a silo left: ", contract.Message, StringComparison.Ordinal);
        Assert.Null(contract.InnerException);
    }

    [Fact]
    public void ToContract_AnythingElse_IsInternalNamingTheOriginalTypeAndMessage()
    {
        var bug = new InvalidOperationException("Sequence contains no elements");
        var argument = new ArgumentException("must not be empty", "id");
        var corrupt = ReadFailure("Orleans.Serialization.CodecNotFoundException: Could not find a codec for type Foo.");

        var fromBug = Assert.IsType<OverseerException>(ContractFaults.ToContract(bug));
        var fromArgument = Assert.IsType<OverseerException>(ContractFaults.ToContract(argument));
        var fromConflict = Assert.IsType<OverseerException>(ContractFaults.ToContract(new InconsistentStateException("Version conflict")));
        var fromCorrupt = Assert.IsType<OverseerException>(ContractFaults.ToContract(Bridged(corrupt)));

        Assert.All([fromBug, fromArgument, fromConflict, fromCorrupt], e => Assert.Equal(OverseerErrorCode.Internal, e.Code));
        Assert.All([fromBug, fromArgument, fromConflict, fromCorrupt], e => Assert.Null(e.InnerException));
        Assert.Equal("internal error in the cluster (the silo logged it): InvalidOperationException: Sequence contains no elements", fromBug.Message);
        Assert.EndsWith("ArgumentException: must not be empty (Parameter 'id')", fromArgument.Message, StringComparison.Ordinal);
        Assert.EndsWith("InconsistentStateException: Version conflict", fromConflict.Message, StringComparison.Ordinal);
        Assert.Contains("CodecNotFoundException: Could not find a codec for type Foo", fromCorrupt.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GrainStorageTranslate_KeepsTheEtagConflictAndCancellation_TranslatesTheRest()
    {
        var conflict = new InconsistentStateException("Version conflict");
        var cancelled = new OperationCanceledException();

        var outage = Assert.IsType<OverseerException>(ContractGrainStorage.Translate(ReadFailure("StackExchange.Redis.RedisTimeoutException: Timeout awaiting response")));

        Assert.Same(conflict, ContractGrainStorage.Translate(conflict));
        Assert.Same(cancelled, ContractGrainStorage.Translate(cancelled));
        Assert.Equal(OverseerErrorCode.Unavailable, outage.Code);
    }

    [Fact]
    public void StoreFaultsIsTransient_AnOutageAlreadyTranslated_IsStillAnOutage()
    {
        var unavailable = ContractFaults.StoreUnavailable(ReadFailure("StackExchange.Redis.RedisTimeoutException: Timeout awaiting response"));

        Assert.True(StoreFaults.IsTransient(unavailable));
        Assert.True(StoreFaults.IsTransient(Bridged(unavailable)));
        Assert.False(StoreFaults.IsTransient(OverseerException.Internal("internal error in the cluster (the silo logged it): InvalidOperationException: x")));
        Assert.False(StoreFaults.IsTransient(Bridged(OverseerException.Unknown("w-1"))));
    }

    [Fact]
    public void FindIn_LooksOnlyThroughTheRuntimesPlainWrappers()
    {
        var contract = OverseerException.Unknown("w-1");

        Assert.Same(contract, OverseerException.FindIn(contract));
        Assert.Same(contract, OverseerException.FindIn(Bridged(contract)));
        Assert.Same(contract, OverseerException.FindIn(new AggregateException(contract)));
        Assert.Null(OverseerException.FindIn(new InvalidOperationException("wrapped", contract)));
        Assert.Null(OverseerException.FindIn(new InconsistentStateException("Version conflict", contract)));
        Assert.Null(OverseerException.FindIn(Bridged(ReadFailure("StackExchange.Redis.RedisTimeoutException: Timeout"))));
    }

    /// <summary>What <c>RedisGrainStorage.ReadStateAsync</c> (10.4) throws: the inner error kept only as text.</summary>
    private static RedisStorageException ReadFailure(string innerTypeAndMessage) =>
        new($"Failed to read grain state for worker with ID worker/w-1 and storage key svc/state/worker/w-1/worker. {innerTypeAndMessage}");

    /// <summary>What the grain's state bridge throws around a storage failure that is not an OrleansException.</summary>
    private static OrleansException Bridged(Exception storage) =>
        new($"Error from storage provider RedisGrainStorage.overseer during ReadStateAsync for grain worker/w-1{Environment.NewLine} Exc level 0: {storage.GetType()}: {storage.Message}", storage);
}
