using Overseer.Models;

namespace Overseer.Tests.Unit;

/// <summary>The poison policy's names and bounds, and the one rule for which handler failures are poison.</summary>
public sealed class PoisonPolicyTests
{
    [Theory]
    [InlineData("halt", PoisonAction.Halt)]
    [InlineData("skip", PoisonAction.Skip)]
    [InlineData("dead-letter", PoisonAction.DeadLetter)]
    public void Names_RoundTrip(string name, PoisonAction action)
    {
        Assert.Equal(action, PoisonPolicy.Parse(name));
        Assert.Equal(name, PoisonPolicy.NameOf(action));
    }

    [Theory]
    [InlineData("Halt")]
    [InlineData("dead_letter")]
    [InlineData("")]
    public void Parse_AnythingElse_IsNull(string name) => Assert.Null(PoisonPolicy.Parse(name));

    [Theory]
    [InlineData(PoisonAction.Skip, -1, "invalid poison retries -1: expected 0..100")]
    [InlineData(PoisonAction.Skip, 101, "invalid poison retries 101: expected 0..100")]
    [InlineData((PoisonAction)7, 0, "invalid poison action 7: expected halt, skip or dead-letter")]
    [InlineData(PoisonAction.DeadLetter, 100, null)]
    public void Validate_NamesTheValueAndWhatIsValid(PoisonAction action, int retries, string? expected) =>
        Assert.Equal(expected, new PoisonPolicy(action, retries).Validate());

    [Fact]
    public void Spec_WithoutAPolicy_IsTheDefault_AndEquivalentToOneThatNamesIt()
    {
        var spec = WorkerSpec.For("sequence") with { Handler = "h" };

        Assert.Equal(PoisonPolicy.Default, spec.PoisonOrDefault);
        Assert.True(spec.IsEquivalentTo(spec with { Poison = new PoisonPolicy() }));
        Assert.False(spec.IsEquivalentTo(spec with { Poison = new PoisonPolicy(PoisonAction.Skip) }));
        Assert.Contains("on-poison=dead-letter after 2 retries", (spec with { Poison = new PoisonPolicy(PoisonAction.DeadLetter, 2) }).Describe());
    }

    [Fact]
    public void HandlerFailures_OutagesTimeoutsAndCancellations_AreNeverPoison()
    {
        Assert.True(Handlers.HandlerFailures.IsPoison(new FormatException("bad payload")));
        Assert.True(Handlers.HandlerFailures.IsPoison(new InvalidOperationException("bug")));
        Assert.False(Handlers.HandlerFailures.IsPoison(new TimeoutException()));
        Assert.False(Handlers.HandlerFailures.IsPoison(new OperationCanceledException()));
        Assert.False(Handlers.HandlerFailures.IsPoison(new StackExchange.Redis.RedisConnectionException(StackExchange.Redis.ConnectionFailureType.SocketFailure, StackExchange.Redis.CommandFlags.None, "down", null, StackExchange.Redis.CommandStatus.Unknown)));
        Assert.False(Handlers.HandlerFailures.IsPoison(new Npgsql.PostgresException("serialization", "ERROR", "ERROR", "40001")));
        Assert.True(Handlers.HandlerFailures.IsPoison(new Npgsql.PostgresException("check violation", "ERROR", "ERROR", "23514")));
    }
}
