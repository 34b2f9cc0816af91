using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Overseer.Sources;
using Overseer.Sources.Evm;
using Overseer.Sources.Feeds;

namespace Overseer.Tests.Unit;

public sealed class EvmSourceOptionsTests
{
    private static IEventSourceFactory Factory()
    {
        var services = new ServiceCollection().AddLogging();
        Overseer.Hosting.OverseerServiceCollectionExtensions.AddOverseerGrains(services);
        return services.BuildServiceProvider().GetRequiredKeyedService<IEventSourceFactory>(EvmSourceFactory.Kind);
    }

    [Fact]
    public void Validate_MissingRpc_SaysItIsRequired()
    {
        var problems = Factory().Validate(new Dictionary<string, string> { ["ws"] = "ws://127.0.0.1:8545" });

        Assert.Equal(["option rpc is required for source evm: the node's HTTP JSON-RPC URL, e.g. http://127.0.0.1:8545"], problems);
    }

    [Fact]
    public void Validate_BadValues_AreEachNamedWithWhatIsValid()
    {
        var problems = Factory().Validate(new Dictionary<string, string>
        {
            ["rpc"] = "ws://127.0.0.1:8545",
            ["ws"] = "http://127.0.0.1:8545",
            ["from"] = "0",
            ["confirmations"] = "-1",
            ["batch"] = "5000",
            ["address"] = "0x5fbdb2315678afecb367f032d93f642f64180aa3,0x12",
            ["topic0"] = "Transfer",
            ["finality"] = "257",
            ["colour"] = "red",
        });

        Assert.Contains("invalid option rpc='ws://127.0.0.1:8545' for source evm: expected an absolute http or https URL, e.g. http://127.0.0.1:8545", problems);
        Assert.Contains("invalid option ws='http://127.0.0.1:8545' for source evm: expected an absolute ws or wss URL, e.g. ws://127.0.0.1:8545", problems);
        Assert.Contains(problems, p => p.StartsWith("invalid option from='0' for source evm: expected an integer from 1 to ", StringComparison.Ordinal));
        Assert.Contains("invalid option confirmations='-1' for source evm: expected an integer from 0 to 10000", problems);
        Assert.Contains("invalid option batch='5000' for source evm: expected an integer from 1 to 1000", problems);
        Assert.Contains(problems, p => p.StartsWith("invalid option address='0x5fbdb2315678afecb367f032d93f642f64180aa3,0x12' for source evm: '0x12' is not an address", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("invalid option topic0='Transfer' for source evm: expected a 0x-prefixed 32-byte hex topic", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("unknown option 'colour' for source evm: valid options are rpc, ws, from, confirmations, batch, address, topic0", StringComparison.Ordinal));
        Assert.Contains("invalid option finality='257' for source evm: expected an integer from 0 to 256", problems);
        Assert.Equal(9, problems.Count);
    }

    [Fact]
    public void Read_Defaults_AreDocumented()
    {
        var (settings, problems) = EvmSettings.Read("evm", new Dictionary<string, string> { ["rpc"] = "http://node:8545" });

        Assert.Empty(problems);
        Assert.Equal((null, 2, 50, false), (settings!.From, settings.Confirmations, settings.Batch, settings.LogsMode));
        Assert.Null(settings.Ws);
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60)), (settings.Interval, settings.Stall, settings.MaxOutage));
        Assert.Null(settings.Finality);
    }

    [Fact]
    public void Read_AddressesAndTopic0_SelectLogsModeNormalisedToLowerCase()
    {
        var (settings, _) = EvmSettings.Read("evm", new Dictionary<string, string>
        {
            ["rpc"] = "http://node:8545",
            ["address"] = "0x5FbDB2315678afecb367f032d93F642f64180aa3, 0x000000000000000000000000000000000000dEaD",
            ["topic0"] = "0xDDF252AD1BE2C89B69C2B068FC378DAA952BA7F163C4A11628F55A4DF523B3EF",
        });

        Assert.True(settings!.LogsMode);
        Assert.Equal(["0x5fbdb2315678afecb367f032d93f642f64180aa3", "0x000000000000000000000000000000000000dead"], settings.Addresses);
        Assert.Equal("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef", settings.Topic0);
    }

    [Theory]
    [InlineData(12, 45, 12_000_045)]
    [InlineData(1, 0, 1_000_000)]
    [InlineData(19_000_000, 999_999, 19_000_000_999_999)]
    public void LogSeq_MapsBackToBlockAndIndex(long block, long index, long seq)
    {
        Assert.Equal(seq, EvmPosition.LogSeq(block, index));
        Assert.Equal(block, EvmPosition.BlockOfLogSeq(seq));
        Assert.Equal(index, seq % EvmPosition.LogsPerBlock);
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, "", "answered HTTP 429")]
    [InlineData(HttpStatusCode.OK, """{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"rate limited"}}""", "eth_blockNumber on http://node:8545/ answered error -32005: rate limited")]
    [InlineData(HttpStatusCode.OK, "not json", "eth_blockNumber on http://node:8545/ failed")]
    public async Task Rpc_NodeErrorsAndRateLimits_AreOutagesNotCrashes(HttpStatusCode status, string body, string expected)
    {
        using var http = new HttpClient(new Answer(status, body));
        var rpc = new EvmRpcClient(http, new Uri("http://node:8545/"));

        var thrown = await Assert.ThrowsAsync<FeedUnavailableException>(() => rpc.CallAsync("eth_blockNumber", [], CancellationToken.None));

        Assert.Contains(expected, thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rpc_Batch_ReturnsResultsInCallOrderWhateverTheAnswerOrder()
    {
        using var http = new HttpClient(new Answer(HttpStatusCode.OK, """[{"jsonrpc":"2.0","id":2,"result":"0x2"},{"jsonrpc":"2.0","id":1,"result":"0x1"}]"""));
        var rpc = new EvmRpcClient(http, new Uri("http://node:8545/"));

        var results = await rpc.BatchAsync([("eth_blockNumber", []), ("eth_chainId", [])], CancellationToken.None);

        Assert.Equal(["0x1", "0x2"], results.Select(r => r.GetString()));
    }

    private sealed class Answer(HttpStatusCode status, string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
    }
}
