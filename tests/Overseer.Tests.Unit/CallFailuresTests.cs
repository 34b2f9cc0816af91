using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using Overseer.Errors;

namespace Overseer.Tests.Unit;

/// <summary>The one rule both sides of the wire use for a call that failed on its way (<see cref="CallFailures"/>): the
/// client retries exactly these, and a grain reports exactly these as <see cref="OverseerErrorCode.Unavailable"/>.</summary>
public sealed class CallFailuresTests
{
    public static TheoryData<Exception> OnItsWay => new()
    {
        new SiloUnavailableException("The target silo became unavailable for message: Request [S127.0.0.1:11111:1]"),
        // Its constructors are the runtime's own; the rule reads only the type.
        (OrleansMessageRejectionException)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(typeof(OrleansMessageRejectionException)),
        new ConnectionFailedException("Unable to connect to endpoint S127.0.0.1:30000:0"),
        new GatewayTooBusyException(),
        new TimeoutException("Response did not arrive on time in 00:00:30 for message: Request [...]"),
    };

    public static TheoryData<Exception> Answers => new()
    {
        OverseerException.Conflict("worker 'w' is running, not halted at a poison event"),
        OverseerException.Unavailable("Redis is unavailable: Timeout awaiting response"),
        new InvalidOperationException("a fault inside the cluster"),
        new OrleansException("Trying to register an activation on invalid silo S127.0.0.1:11111:1 (Dead)"),
    };

    [Theory]
    [MemberData(nameof(OnItsWay))]
    public void IsTransport_ForAFailureOnTheWay_IsTrue_AndAGrainReportsItAsUnavailable(Exception failure)
    {
        Assert.True(CallFailures.IsTransport(failure), failure.GetType().Name);
        Assert.Equal(OverseerErrorCode.Unavailable, ((OverseerException)ContractFaults.ToContract(failure)).Code);
    }

    [Theory]
    [MemberData(nameof(Answers))]
    public void IsTransport_ForTheClustersAnswersAndFaults_IsFalse(Exception answer) =>
        Assert.False(CallFailures.IsTransport(answer), answer.GetType().Name);

    [Theory]
    [InlineData("Response did not arrive on time in 00:00:30 for message: Request [S1 sys.client/x]", "Response did not arrive on time in 00:00:30")]
    [InlineData("The target silo became unavailable.\nfor message: Request [...]", "The target silo became unavailable")]
    [InlineData("Unable to connect to endpoint S127.0.0.1:30000:0:", "Unable to connect to endpoint S127.0.0.1:30000:0")]
    public void FirstClause_DropsWhatOrleansDumpsAfterIt(string message, string expected) =>
        Assert.Equal(expected, CallFailures.FirstClause(message));
}
