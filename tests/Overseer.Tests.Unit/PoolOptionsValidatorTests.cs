using Microsoft.Extensions.Options;
using Overseer.Hosting;

namespace Overseer.Tests.Unit;

public sealed class PoolOptionsValidatorTests
{
    private static readonly PoolOptionsValidator Validator = new(Options.Create(new SupervisionOptions { HeartbeatInterval = TimeSpan.FromSeconds(2) }));

    [Fact]
    public void Defaults_AreValid() => Assert.True(Validator.Validate(null, new PoolOptions()).Succeeded);

    [Theory]
    [InlineData(-1, 0, 0, "Overseer:Pool:MaxRunningWorkers is -1: expected 0 (unlimited) or 1..10000000")]
    [InlineData(0, -5, 0, "Overseer:Pool:MaxConcurrentFetchesPerSilo is -5: expected 0 (unlimited)")]
    [InlineData(0, 0, 10_000_001, "Overseer:Pool:MaxConcurrentFetchesPerHost is 10000001: expected 0 (unlimited)")]
    [InlineData(0, 0, 0, "Overseer:Pool:MaxConcurrentCommitsPerSilo is -1: expected 0 (unlimited)", -1)]
    public void BadCaps_AreRefusedNamingTheKey(int running, int perSilo, int perHost, string expected, int commits = 256)
    {
        var result = Validator.Validate(null, new PoolOptions
        {
            MaxRunningWorkers = running,
            MaxConcurrentFetchesPerSilo = perSilo,
            MaxConcurrentFetchesPerHost = perHost,
            MaxConcurrentCommitsPerSilo = commits,
        });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(500)]
    [InlineData(2000)]
    public void SlotLease_NotLongerThanTheHeartbeat_IsRefused(int leaseMs)
    {
        var result = Validator.Validate(null, new PoolOptions { MaxRunningWorkers = 10, SlotLease = TimeSpan.FromMilliseconds(leaseMs) });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Overseer:Pool:SlotLease", StringComparison.Ordinal) && f.Contains("HeartbeatInterval (00:00:02", StringComparison.Ordinal));
    }

    [Fact]
    public void SlotLease_LongerThanTheHeartbeat_IsValid() =>
        Assert.True(Validator.Validate(null, new PoolOptions { MaxRunningWorkers = 10, SlotLease = TimeSpan.FromSeconds(3) }).Succeeded);
}
