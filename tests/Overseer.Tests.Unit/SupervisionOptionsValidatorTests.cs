using Overseer.Hosting;

namespace Overseer.Tests.Unit;

public sealed class SupervisionOptionsValidatorTests
{
    private static readonly SupervisionOptionsValidator Validator = new();

    [Fact]
    public void Validate_Defaults_AreValid() => Assert.True(Validator.Validate(null, new SupervisionOptions()).Succeeded);

    [Fact]
    public void Defaults_PartitionTimings_AreTheFormerConstants()
    {
        var o = new SupervisionOptions();

        Assert.Equal(TimeSpan.FromMilliseconds(100), o.PartitionTick);
        Assert.Equal(TimeSpan.FromMilliseconds(500), o.RegistryFlushInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), o.StallScanInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), o.UnknownWorkerGrace);
        Assert.Equal(TimeSpan.FromSeconds(1), o.PoolCheckInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), o.GaugeInterval);
        Assert.Equal(10, o.QueuedStallFactor);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 100)]
    [InlineData(100, 100)]
    public void Validate_BackoffOfZero_IsAccepted(int minMs, int maxMs)
    {
        var result = Validator.Validate(null, new SupervisionOptions { BackoffMin = TimeSpan.FromMilliseconds(minMs), BackoffMax = TimeSpan.FromMilliseconds(maxMs) });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_NegativeBackoffMin_IsRefusedNamingTheKeyAndRange()
    {
        var result = Validator.Validate(null, new SupervisionOptions { BackoffMin = TimeSpan.FromMilliseconds(-1) });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Overseer:Supervision:BackoffMin is -00:00:00.0010000: expected 0 (restart at once) or a positive duration", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_BackoffMaxBelowBackoffMin_IsRefusedNamingBothKeys()
    {
        var result = Validator.Validate(null, new SupervisionOptions { BackoffMin = TimeSpan.FromSeconds(1), BackoffMax = TimeSpan.FromMilliseconds(1) });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Overseer:Supervision:BackoffMax (00:00:00.0010000) is below Overseer:Supervision:BackoffMin (00:00:01): expected 00:00:01 or more", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(nameof(SupervisionOptions.RegistryFlushInterval))]
    [InlineData(nameof(SupervisionOptions.StallScanInterval))]
    [InlineData(nameof(SupervisionOptions.UnknownWorkerGrace))]
    [InlineData(nameof(SupervisionOptions.PoolCheckInterval))]
    [InlineData(nameof(SupervisionOptions.GaugeInterval))]
    public void Validate_ZeroInterval_IsRefusedNamingTheKey(string key)
    {
        var options = new SupervisionOptions();
        typeof(SupervisionOptions).GetProperty(key)!.SetValue(options, TimeSpan.Zero);

        var result = Validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith($"Overseer:Supervision:{key} is 00:00:00: expected a positive duration", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(10_001)]
    public void Validate_PartitionTickOutOfRange_IsRefusedNamingTheRange(int ms)
    {
        var result = Validator.Validate(null, new SupervisionOptions { PartitionTick = TimeSpan.FromMilliseconds(ms) });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Overseer:Supervision:PartitionTick is", StringComparison.Ordinal) && f.Contains("expected 10ms..10s", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public void Validate_QueuedStallFactorOutOfRange_IsRefusedNamingTheRange(int factor)
    {
        var result = Validator.Validate(null, new SupervisionOptions { QueuedStallFactor = factor });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f == $"Overseer:Supervision:QueuedStallFactor is {factor}: expected 1..1000");
    }
}
