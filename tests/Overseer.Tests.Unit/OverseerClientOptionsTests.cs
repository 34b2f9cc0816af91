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

    private static IConfiguration Configuration(KeyValuePair<string, string?>[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
