using System.Numerics;
using System.Text.Json.Nodes;
using Erc20Indexer;

namespace Overseer.Tests.Samples;

/// <summary>The sample's decoder on payloads in the evm source's logs-mode format. The two real ones were taken from
/// anvil 1.7.1 after a mint and a transfer of the sample's Token (samples/Erc20Indexer/contracts).</summary>
public sealed class TransferLogTests
{
    private const string Worker = "usdc";

    // Token.mint(0x7099…79c8, 1,000,000) in block 2.
    private const string RealMint = """{"blockNumber":2,"blockHash":"0x83ab68e6b28e4b481900a35d7cbe7b45bbdda2ccfcd532f3676df13df97df7ef","transactionHash":"0x3a152588fe2e21ecbd16325b1e8c176c61ea7dcd019eaafad1c04f52b36b6a07","logIndex":0,"address":"0x5fbdb2315678afecb367f032d93f642f64180aa3","topics":["0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef","0x0000000000000000000000000000000000000000000000000000000000000000","0x00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8"],"data":"0x00000000000000000000000000000000000000000000000000000000000f4240"}""";

    // Token.transfer(0x3c44…93bc, 250) from 0x7099…79c8 in block 3.
    private const string RealTransfer = """{"blockNumber":3,"blockHash":"0xfa402472f14599cf547cbf633fa075ee233c4ded0c2b20972f0f753bfd71544f","transactionHash":"0x797f9c3b2ddcbef2e713e13a7a22c9437e428bf5fbdaf918b469059c7787629d","logIndex":0,"address":"0x5fbdb2315678afecb367f032d93f642f64180aa3","topics":["0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef","0x00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8","0x0000000000000000000000003c44cdddb6a900fa2b585dd299e03d12fa4293bc"],"data":"0x00000000000000000000000000000000000000000000000000000000000000fa"}""";

    [Fact]
    public void Decode_RealMint_IsTransferFromTheZeroAddress()
    {
        var transfer = TransferLog.Decode(Worker, 2_000_000, RealMint);

        Assert.Equal(
            new TransferLog(2, 0, "0x3a152588fe2e21ecbd16325b1e8c176c61ea7dcd019eaafad1c04f52b36b6a07", "0x5fbdb2315678afecb367f032d93f642f64180aa3",
                TransferLog.ZeroAddress, "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", new BigInteger(1_000_000)),
            transfer);
    }

    [Fact]
    public void Decode_RealTransfer_GivesBothAddressesAndTheValue()
    {
        var transfer = TransferLog.Decode(Worker, 3_000_000, RealTransfer);

        Assert.Equal(
            new TransferLog(3, 0, "0x797f9c3b2ddcbef2e713e13a7a22c9437e428bf5fbdaf918b469059c7787629d", "0x5fbdb2315678afecb367f032d93f642f64180aa3",
                "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc", new BigInteger(250)),
            transfer);
    }

    [Fact]
    public void Decode_MaxUint256_IsExact()
    {
        var payload = With(RealTransfer, log => log["data"] = "0x" + new string('f', 64));

        var transfer = TransferLog.Decode(Worker, 3_000_000, payload);

        Assert.Equal((BigInteger.One << 256) - 1, transfer!.Value);
    }

    [Fact]
    public void Decode_UppercaseHex_IsLowercased()
    {
        var payload = RealTransfer.Replace("0x5fbdb2315678afecb367f032d93f642f64180aa3", "0x5FbDB2315678afecb367f032d93F642f64180aa3", StringComparison.Ordinal)
            .Replace("70997970c51812dc3a010c7d01b50e0d17dc79c8", "70997970C51812dc3A010C7d01b50e0d17dc79C8", StringComparison.Ordinal)
            .Replace("ddf252ad", "DDF252AD", StringComparison.Ordinal);

        var transfer = TransferLog.Decode(Worker, 3_000_000, payload);

        Assert.Equal("0x5fbdb2315678afecb367f032d93f642f64180aa3", transfer!.Token);
        Assert.Equal("0x70997970c51812dc3a010c7d01b50e0d17dc79c8", transfer.From);
    }

    [Theory]
    [InlineData("0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925")] // Approval
    [InlineData(null)] // an anonymous event: no topics at all
    public void Decode_AnotherEvent_IsNull(string? topic0)
    {
        var payload = With(RealTransfer, log =>
        {
            var topics = log["topics"]!.AsArray();
            if (topic0 is null)
            {
                topics.Clear();
            }
            else
            {
                topics[0] = topic0;
            }
        });

        Assert.Null(TransferLog.Decode(Worker, 3_000_000, payload));
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "not json", "payload is not JSON" },
        { "[1,2]", "payload is a JSON Array, not an object" },
        { With(RealTransfer, log => log.Remove("topics")), "topics is missing or not an array" },
        { With(RealTransfer, log => log["topics"]!.AsArray().Add("0x" + new string('0', 63) + "7")), "topics has 4 entries; an ERC-20 Transfer has 3 (topic0, from, to) — 4 is an ERC-721 Transfer" },
        { With(RealTransfer, log => log["topics"]!.AsArray().RemoveAt(2)), "topics has 2 entries" },
        { With(RealTransfer, log => log["topics"]![1] = "0x0000000000000000000000ff70997970c51812dc3a010c7d01b50e0d17dc79c8"), "topics[1] is '0x0000000000000000000000ff70997970c51812dc3a010c7d01b50e0d17dc79c8', not an address: its first 12 bytes must be zero" },
        { With(RealTransfer, log => log["topics"]![2] = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"), "topics[2] is '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc'; expected 0x and 64 hex digits (32 bytes)" },
        { With(RealTransfer, log => log["topics"]![2] = 7), "topics[2] is a JSON Number; expected a hex string" },
        { With(RealTransfer, log => log["data"] = "0x"), "data is '0x'; expected 0x and 64 hex digits (32 bytes)" },
        { With(RealTransfer, log => log["data"] = "0x" + new string('0', 128)), "data is '0x" + new string('0', 128) + "'; expected 0x and 64 hex digits" },
        { With(RealTransfer, log => log["data"] = "0x" + new string('g', 64)), "data is '0x" + new string('g', 64) + "'" },
        { With(RealTransfer, log => log.Remove("data")), "data is missing or not a string" },
        { With(RealTransfer, log => log["blockNumber"] = "0x3"), "blockNumber is missing or not a non-negative integer" },
        { With(RealTransfer, log => log.Remove("logIndex")), "logIndex is missing or not a non-negative integer" },
        { With(RealTransfer, log => log["address"] = "0x5fbdb2315678afecb367f032d93f642f64180a"), "address is '0x5fbdb2315678afecb367f032d93f642f64180a'; expected 0x and 40 hex digits (20 bytes)" },
        { With(RealTransfer, log => log["transactionHash"] = null), "transactionHash is missing or not a string" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Decode_MalformedTransfer_ThrowsNamingWorkerSeqAndField(string payload, string problem)
    {
        var error = Assert.Throws<FormatException>(() => TransferLog.Decode(Worker, 3_000_000, payload));

        Assert.StartsWith($"worker 'usdc', seq 3000000: {problem}", error.Message, StringComparison.Ordinal);
    }

    private static string With(string payload, Action<JsonObject> change)
    {
        var log = JsonNode.Parse(payload)!.AsObject();
        change(log);
        return log.ToJsonString();
    }
}
