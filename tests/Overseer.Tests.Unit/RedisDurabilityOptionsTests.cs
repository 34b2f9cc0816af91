using Microsoft.Extensions.Configuration;
using Overseer.Hosting;

namespace Overseer.Tests.Unit;

/// <summary><c>Overseer:Redis</c>: bound from configuration like every silo section, and refused with the key, the value
/// and the valid range when it cannot work.</summary>
public sealed class RedisDurabilityOptionsTests
{
    private static readonly RedisDurabilityOptionsValidator Validator = new();

    [Fact]
    public void Defaults_AreValid_AndDoNotWaitForReplicas()
    {
        var options = new RedisDurabilityOptions();

        Assert.True(Validator.Validate(null, options).Succeeded);
        Assert.False(options.WaitsForReplicas);
        Assert.Equal(TimeSpan.FromSeconds(1), options.ReplicaAckTimeout);
    }

    [Theory]
    [InlineData(-1, 1000, "Overseer:Redis:MinReplicaAcks is -1: expected 0 (a write counts once the primary has it) or 1..16 (replicas that must have it too)")]
    [InlineData(17, 1000, "Overseer:Redis:MinReplicaAcks is 17: expected 0 (a write counts once the primary has it) or 1..16")]
    [InlineData(1, 0, "Overseer:Redis:ReplicaAckTimeout is 00:00:00: expected 1ms..60s while Overseer:Redis:MinReplicaAcks is 1")]
    [InlineData(2, -5, "Overseer:Redis:ReplicaAckTimeout is -00:00:00.0050000: expected 1ms..60s while Overseer:Redis:MinReplicaAcks is 2")]
    [InlineData(1, 61_000, "Overseer:Redis:ReplicaAckTimeout is 00:01:01: expected 1ms..60s while Overseer:Redis:MinReplicaAcks is 1")]
    public void BadValues_AreRefusedNamingTheKeyTheValueAndTheValidRange(int acks, int timeoutMs, string expected)
    {
        var result = Validator.Validate(null, new RedisDurabilityOptions { MinReplicaAcks = acks, ReplicaAckTimeout = TimeSpan.FromMilliseconds(timeoutMs) });

        Assert.True(result.Failed, $"MinReplicaAcks {acks} with ReplicaAckTimeout {timeoutMs} ms was accepted");
        Assert.Contains(result.Failures!, f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void ZeroTimeout_WithoutWaiting_IsValid() =>
        Assert.True(Validator.Validate(null, new RedisDurabilityOptions { MinReplicaAcks = 0, ReplicaAckTimeout = TimeSpan.Zero }).Succeeded);

    [Fact]
    public void Bind_FromConfiguration_ReadsOperatorDurations_AndTheOverseerSectionLeavesItAlone()
    {
        var config = Config(("Overseer:Partitions", "4"), ("Overseer:Redis:MinReplicaAcks", "1"), ("Overseer:Redis:ReplicaAckTimeout", "250ms"));

        var options = SiloConfiguration.Bind<RedisDurabilityOptions>(config, RedisDurabilityOptions.SectionName, Validator.Validate);
        var overseer = SiloConfiguration.Bind<OverseerOptions>(config, OverseerOptions.SectionName);

        Assert.Equal(1, options.MinReplicaAcks);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.ReplicaAckTimeout);
        Assert.Equal(4, overseer.Partitions);
    }

    [Theory]
    [InlineData("Overseer:Redis:MinReplicaAck", "1", "Overseer:Redis:MinReplicaAck is not a known setting; valid keys under Overseer:Redis: MinReplicaAcks, ReplicaAckTimeout")]
    [InlineData("Overseer:Redis:MinReplicaAcks", "one", "Overseer:Redis:MinReplicaAcks is 'one': expected an integer")]
    [InlineData("Overseer:Redis:MinReplicaAcks", "-2", "Overseer:Redis:MinReplicaAcks is -2: expected 0")]
    public void Bind_TypoBadValueOrOutOfRange_StopsStartUpNamingTheKey(string key, string value, string expected)
    {
        var ex = Assert.Throws<SiloConfigurationException>(() =>
            SiloConfiguration.Bind<RedisDurabilityOptions>(Config((key, value)), RedisDurabilityOptions.SectionName, Validator.Validate));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
