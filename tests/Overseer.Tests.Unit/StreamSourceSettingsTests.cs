using Overseer.Sources.Streams;

namespace Overseer.Tests.Unit;

/// <summary>The <c>stream</c> kind's options: an upstream is required and must be a worker id; the rest have defaults
/// and ranges, and every problem names the option, the value and what is valid.</summary>
public sealed class StreamSourceSettingsTests
{
    private static (StreamSourceSettings? Settings, IReadOnlyList<string> Problems) Read(params (string Key, string Value)[] options) =>
        StreamSourceSettings.Read(options.ToDictionary(o => o.Key, o => o.Value));

    [Fact]
    public void Read_UpstreamOnly_TakesTheDefaults()
    {
        var (settings, problems) = Read(("upstream", "evm-mainnet"));

        Assert.Empty(problems);
        Assert.Equal(new StreamSourceSettings("evm-mainnet", 500, TimeSpan.FromSeconds(5)), settings);
    }

    [Fact]
    public void Read_NoUpstream_IsRefused_SayingWhatItIs()
    {
        var (settings, problems) = Read(("batch", "10"));

        Assert.Null(settings);
        Assert.Equal(["option upstream is required for source stream: the id of the worker whose Redis stream to follow (e.g. upstream=evm-mainnet)"], problems);
    }

    [Theory]
    [InlineData("upstream", "has space", "invalid option upstream='has space' for source stream: expected the id of the worker to follow")]
    [InlineData("batch", "0", "invalid option batch='0' for source stream: expected an integer from 1 to 10000")]
    [InlineData("maxWaitMs", "10", "invalid option maxWaitMs='10' for source stream: expected an integer from 100 to 600000")]
    [InlineData("colour", "red", "unknown option 'colour' for source stream: valid options are upstream, batch, maxWaitMs")]
    public void Read_ABadOption_IsNamedWithItsValueAndWhatIsValid(string key, string value, string expected)
    {
        var options = key == "upstream" ? new[] { (key, value) } : [("upstream", "u"), (key, value)];

        var (settings, problems) = Read(options);

        Assert.Null(settings);
        Assert.Contains(problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }
}
