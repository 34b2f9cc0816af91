using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Overseer.Client;

namespace Overseer.Tests.Unit;

public sealed class OverseerClientOptionsTests
{
    [Fact]
    public void FromConfiguration_NoCallTimeout_UsesTheDefaultOf30s()
    {
        var options = OverseerClientOptions.FromConfiguration(Configuration([]));

        Assert.Equal(TimeSpan.FromSeconds(30), options.CallTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), options.ConnectTimeout);
    }

    [Theory]
    [InlineData("45", 45)]
    [InlineData("00:01:00", 60)]
    public void FromConfiguration_CallTimeout_ReadsSecondsOrATimeSpan(string value, int seconds)
    {
        var options = OverseerClientOptions.FromConfiguration(Configuration([new("Overseer:Client:CallTimeout", value)]));

        Assert.Equal(TimeSpan.FromSeconds(seconds), options.CallTimeout);
    }

    [Fact]
    public void FromConfiguration_BadCallTimeout_FailsNamingTheKey()
    {
        var thrown = Assert.Throws<OptionsValidationException>(
            () => OverseerClientOptions.FromConfiguration(Configuration([new("Overseer:Client:CallTimeout", "-3")])));

        Assert.Equal(
            "invalid Overseer:Client:CallTimeout '-3': expected a positive number of seconds (e.g. 15) or a time span (e.g. 00:00:15)",
            Assert.Single(thrown.Failures));
    }

    [Fact]
    public void FromConfiguration_Actor_DefaultsToUserAtHost_AndABadOneFailsNamingTheKey()
    {
        var actor = OverseerClientOptions.FromConfiguration(Configuration([new("Overseer:Client:Actor", "alice@ops")])).Actor;
        var fallback = OverseerClientOptions.FromConfiguration(Configuration([])).Actor;
        var thrown = Assert.Throws<OptionsValidationException>(
            () => OverseerClientOptions.FromConfiguration(Configuration([new("Overseer:Client:Actor", new string('x', 129))])));

        Assert.Equal("alice@ops", actor);
        Assert.Equal($"{Environment.UserName}@{Environment.MachineName}", fallback);
        Assert.StartsWith("Overseer:Client:Actor: invalid actor 'xxx", Assert.Single(thrown.Failures));
        Assert.Contains("expected 1..128 printable characters", thrown.Failures.Single());
    }

    [Theory]
    [InlineData("127.0.0.1:6379", "127.0.0.1:6379")]
    [InlineData("redis", "redis:6379")]
    [InlineData("r1:7000,r2:7001,r3:7002,password=s3cret", "r1:7000,r2:7001,r3:7002")]
    [InlineData("s1:26379,s2:26379,serviceName=mymaster", "s1:26379,s2:26379")]
    public void FromConfiguration_RedisInEachForm_ListsEveryEndpoint(string connectionString, string endpoints)
    {
        var options = OverseerClientOptions.FromConfiguration(Configuration([new("ConnectionStrings:redis", connectionString)]));

        Assert.Equal(endpoints, options.RedisEndpoints);
    }

    [Fact]
    public void FromConfiguration_SentinelForm_KeepsTheServiceName()
    {
        var options = OverseerClientOptions.FromConfiguration(Configuration([new("ConnectionStrings:redis", "s1:26379,serviceName=mymaster")]));

        Assert.Equal("mymaster", options.Redis.ServiceName);
    }

    [Theory]
    [InlineData("r1:7000,r2:abc,password=s3cret", "ConnectionStrings:redis is 'r1:7000,r2:abc,password=***': 'r2:abc' is not an endpoint (host:port); expected one endpoint (redis:6379)")]
    [InlineData("r1:6379,r1", "ConnectionStrings:redis is 'r1:6379,r1': endpoint r1:6379 is listed twice; expected")]
    [InlineData("serviceName=mymaster", "ConnectionStrings:redis is 'serviceName=mymaster': serviceName=mymaster names no Sentinel endpoint; expected")]
    public void FromConfiguration_MalformedRedis_FailsNamingTheValueWithoutThePassword(string connectionString, string expected)
    {
        var thrown = Assert.Throws<OptionsValidationException>(
            () => OverseerClientOptions.FromConfiguration(Configuration([new("ConnectionStrings:redis", connectionString)])));

        var failure = Assert.Single(thrown.Failures);
        Assert.StartsWith(expected, failure, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void FromConfiguration_ServiceIdWithABrace_FailsSayingItWouldBeAHashTag()
    {
        var thrown = Assert.Throws<OptionsValidationException>(
            () => OverseerClientOptions.FromConfiguration(Configuration([new("Orleans:ServiceId", "{overseer}")])));

        Assert.Equal(
            "Orleans:ServiceId is '{overseer}': it must not contain '{' or '}', because a brace in the key prefix makes it a "
            + "Redis Cluster hash tag that puts every key of the service in one slot, on one primary; expected e.g. overseer",
            Assert.Single(thrown.Failures));
    }

    private static IConfiguration Configuration(KeyValuePair<string, string?>[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
