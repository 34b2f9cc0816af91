using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Overseer.Testing;

/// <summary>A test's own JSON-RPC client for an Ethereum node: arranging (mine, reorg, deploy, send) and checking
/// (blocks, logs) independently of the source under test.</summary>
public sealed class EvmRpc(string url) : IDisposable
{
    /// <summary>anvil's first dev account (unlocked).</summary>
    public const string DevAccount = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

    /// <summary>The topic0 the emitter logs: "Overseer.Ping" in ASCII, right-padded to 32 bytes.</summary>
    public const string EmitterTopic0 = "0x4f766572736565722e50696e6700000000000000000000000000000000000000";

    // Runtime: copy calldata to memory, LOG2(memory[0..calldatasize], topic0 = EmitterTopic0, topic1 = caller), stop.
    // Init: copy the 45-byte runtime (at offset 11) to memory and return it.
    private const string EmitterRuntime = "366000600037337f4f766572736565722e50696e6700000000000000000000000000000000000000366000a200";
    private const string EmitterInit = "602d80600b6000396000f3";

    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private long id;

    public string Url => url;

    public async Task<JsonElement> CallAsync(string method, object?[] parameters, CancellationToken cancellationToken = default)
    {
        var request = new { jsonrpc = "2.0", id = Interlocked.Increment(ref id), method, @params = parameters };
        using var response = await http.PostAsJsonAsync(url, request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (document.RootElement.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"{method} on {url} answered {error.GetRawText()}");
        }

        return document.RootElement.GetProperty("result").Clone();
    }

    public static string Hex(long value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    public static long Number(string hex) => long.Parse(hex.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    public async Task<long> BlockNumberAsync(CancellationToken cancellationToken = default) =>
        Number((await CallAsync("eth_blockNumber", [], cancellationToken).ConfigureAwait(false)).GetString()!);

    public async Task<JsonElement> BlockAsync(long number, CancellationToken cancellationToken = default) =>
        await CallAsync("eth_getBlockByNumber", [Hex(number), false], cancellationToken).ConfigureAwait(false);

    public async Task<string> HashAsync(long number, CancellationToken cancellationToken = default) =>
        (await BlockAsync(number, cancellationToken).ConfigureAwait(false)).GetProperty("hash").GetString()!;

    /// <summary>Mines <paramref name="blocks"/> blocks at once (<c>anvil_mine</c>).</summary>
    public Task MineAsync(long blocks, CancellationToken cancellationToken = default) => CallAsync("anvil_mine", [Hex(blocks)], cancellationToken);

    /// <summary>Replaces the newest <paramref name="depth"/> blocks with new ones (<c>anvil_reorg</c>) whose first holds a
    /// transfer of <paramref name="wei"/> from the dev account to itself, so that every replaced block gets a new hash:
    /// replacements of the same blocks mined within the same second with the same content hash the same, so give each
    /// reorg of a test its own amount.</summary>
    public async Task ReorgWithTransferAsync(int depth, long wei, CancellationToken cancellationToken = default)
    {
        // The nonce as of the fork point: anvil would take the account's current one, which a transfer of an earlier
        // reorg in the replaced blocks may have raised, and drop the transaction silently.
        var head = await BlockNumberAsync(cancellationToken).ConfigureAwait(false);
        var nonce = (await CallAsync("eth_getTransactionCount", [DevAccount, Hex(head - depth)], cancellationToken).ConfigureAwait(false)).GetString()!;
        await CallAsync("anvil_reorg", [depth, new object[] { new object[] { new { from = DevAccount, to = DevAccount, value = Hex(wei), nonce }, 0 } }], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replaces the newest <paramref name="depth"/> blocks with new ones (<c>anvil_reorg</c>, no transactions).</summary>
    public Task ReorgAsync(int depth, CancellationToken cancellationToken = default) => CallAsync("anvil_reorg", [depth, Array.Empty<object>()], cancellationToken);

    /// <summary>Deploys the log emitter from the dev account and returns its address once mined.</summary>
    public async Task<string> DeployEmitterAsync(CancellationToken cancellationToken = default)
    {
        var tx = (await CallAsync("eth_sendTransaction", [new { from = DevAccount, data = "0x" + EmitterInit + EmitterRuntime }], cancellationToken).ConfigureAwait(false)).GetString()!;
        var receipt = await ReceiptAsync(tx, cancellationToken).ConfigureAwait(false);
        return receipt.GetProperty("contractAddress").GetString()!;
    }

    /// <summary>Sends one transaction to the emitter (one log with <paramref name="data"/>) from <paramref name="account"/>
    /// (default <see cref="DevAccount"/>); returns its hash without waiting. Transactions from one account must be sent
    /// one at a time (anvil assigns the nonce).</summary>
    public async Task<string> EmitAsync(string emitter, string data, CancellationToken cancellationToken = default, string account = DevAccount) =>
        (await CallAsync("eth_sendTransaction", [new { from = account, to = emitter, data }], cancellationToken).ConfigureAwait(false)).GetString()!;

    /// <summary>Sends a transaction from <paramref name="from"/> (an unlocked dev account) to <paramref name="to"/> (null
    /// deploys <paramref name="data"/>), waits until it is mined and returns its receipt; throws if it reverted.</summary>
    public async Task<JsonElement> SendAsync(string from, string? to, string data, CancellationToken cancellationToken = default)
    {
        object transaction = to is null ? new { from, data } : new { from, to, data };
        var tx = (await CallAsync("eth_sendTransaction", [transaction], cancellationToken).ConfigureAwait(false)).GetString()!;
        var receipt = await ReceiptAsync(tx, cancellationToken).ConfigureAwait(false);
        return receipt.GetProperty("status").GetString() == "0x1" ? receipt
            : throw new InvalidOperationException($"transaction {tx} from {from} to {to ?? "(deploy)"} reverted on {url}: {receipt.GetRawText()}");
    }

    /// <summary><c>eth_call</c> of <paramref name="data"/> on <paramref name="to"/> at the latest block; the returned hex.</summary>
    public async Task<string> EthCallAsync(string to, string data, CancellationToken cancellationToken = default) =>
        (await CallAsync("eth_call", [new { to, data }, "latest"], cancellationToken).ConfigureAwait(false)).GetString()!;

    /// <summary>anvil's unlocked dev accounts.</summary>
    public async Task<string[]> AccountsAsync(CancellationToken cancellationToken = default) =>
        [.. (await CallAsync("eth_accounts", [], cancellationToken).ConfigureAwait(false)).EnumerateArray().Select(a => a.GetString()!)];

    /// <summary>Waits (with a deadline) until the transaction is mined.</summary>
    public async Task<JsonElement> ReceiptAsync(string tx, CancellationToken cancellationToken = default)
    {
        return await Eventually.UntilAsync(
            () => CallAsync("eth_getTransactionReceipt", [tx], cancellationToken),
            r => r.ValueKind == JsonValueKind.Object,
            TimeSpan.FromSeconds(30),
            r => $"receipt of {tx} on {url}, was {r.ValueKind}",
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>eth_getLogs</c> over [<paramref name="from"/>, <paramref name="to"/>] for one address and topic0.</summary>
    public async Task<JsonElement[]> LogsAsync(long from, long to, string address, string topic0, CancellationToken cancellationToken = default) =>
        [.. (await CallAsync("eth_getLogs", [new { fromBlock = Hex(from), toBlock = Hex(to), address, topics = new[] { topic0 } }], cancellationToken).ConfigureAwait(false)).EnumerateArray()];

    public void Dispose() => http.Dispose();
}
