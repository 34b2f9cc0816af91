using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace Overseer.Testing;

/// <summary>The sample's ERC-20 (<c>samples/Erc20Indexer/contracts/Token.sol</c>) on a test's node: deployed from the
/// committed creation bytecode (<c>Token.bin</c>, so no test needs solc), minted and transferred from anvil's unlocked dev
/// accounts, and read back with <c>eth_call</c>.</summary>
/// <remarks>Each call waits until its transaction is mined and throws if it reverted. Transactions from one account must
/// be sent one at a time (anvil assigns the nonce).</remarks>
public sealed class Erc20Token
{
    /// <summary>topic0 of <c>Transfer(address indexed from, address indexed to, uint256 value)</c>: keccak256 of that
    /// signature, the same for every ERC-20.</summary>
    public const string TransferTopic0 = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

    /// <summary>The address a mint is a transfer from.</summary>
    public const string ZeroAddress = "0x0000000000000000000000000000000000000000";

    // Function selectors: the first 4 bytes of keccak256 of each signature.
    private const string MintSelector = "40c10f19";       // mint(address,uint256)
    private const string TransferSelector = "a9059cbb";   // transfer(address,uint256)
    private const string BalanceOfSelector = "70a08231";  // balanceOf(address)
    private const string TotalSupplySelector = "18160ddd"; // totalSupply()

    private readonly EvmRpc rpc;

    private Erc20Token(EvmRpc rpc, string address, string deployer)
    {
        this.rpc = rpc;
        Address = address;
        Deployer = deployer;
    }

    /// <summary>The committed creation bytecode, <c>samples/Erc20Indexer/contracts/Token.bin</c>.</summary>
    public static string BytecodePath => Path.Combine(RepoPaths.Root, "samples", "Erc20Indexer", "contracts", "Token.bin");

    /// <summary>The token's address (lowercase, as the node reports it).</summary>
    public string Address { get; }

    /// <summary>The account that deployed it, the only one that may mint.</summary>
    public string Deployer { get; }

    /// <summary>Deploys a new token from <paramref name="deployer"/> (default <see cref="EvmRpc.DevAccount"/>).</summary>
    public static async Task<Erc20Token> DeployAsync(EvmRpc rpc, string deployer = EvmRpc.DevAccount, CancellationToken cancellationToken = default)
    {
        var bytecode = (await File.ReadAllTextAsync(BytecodePath, cancellationToken).ConfigureAwait(false)).Trim();
        var receipt = await rpc.SendAsync(deployer, to: null, "0x" + bytecode, cancellationToken).ConfigureAwait(false);
        return new Erc20Token(rpc, receipt.GetProperty("contractAddress").GetString()!, deployer);
    }

    /// <summary>Mints <paramref name="value"/> to <paramref name="to"/> (a Transfer from the zero address); the transaction hash.</summary>
    public async Task<string> MintAsync(string to, BigInteger value, CancellationToken cancellationToken = default) =>
        TransactionHash(await rpc.SendAsync(Deployer, Address, "0x" + MintSelector + Word(to) + Word(value), cancellationToken).ConfigureAwait(false));

    /// <summary>Transfers <paramref name="value"/> from <paramref name="from"/> to <paramref name="to"/>; the transaction hash.</summary>
    public async Task<string> TransferAsync(string from, string to, BigInteger value, CancellationToken cancellationToken = default) =>
        TransactionHash(await rpc.SendAsync(from, Address, "0x" + TransferSelector + Word(to) + Word(value), cancellationToken).ConfigureAwait(false));

    /// <summary>Sends a transfer of <paramref name="value"/> from <paramref name="from"/> to <paramref name="to"/> and waits
    /// until it is mined; unlike <see cref="TransferAsync"/> it does not throw when the transfer reverts (e.g. more than
    /// the sender holds). The receipt: <c>status</c> is <c>0x1</c> for a transfer that happened, <c>0x0</c> for a revert.</summary>
    public async Task<JsonElement> SendTransferAsync(string from, string to, BigInteger value, CancellationToken cancellationToken = default)
    {
        // A fixed gas limit (a transfer takes about 52,000): with none, anvil estimates the gas first and refuses a
        // transfer that would revert instead of mining it.
        var transaction = new { from, to = Address, gas = "0x186a0", data = "0x" + TransferSelector + Word(to) + Word(value) };
        var tx = (await rpc.CallAsync("eth_sendTransaction", [transaction], cancellationToken)
            .ConfigureAwait(false)).GetString()!;
        return await rpc.ReceiptAsync(tx, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Submits a transfer of <paramref name="value"/> from <paramref name="from"/> to <paramref name="to"/> without
    /// waiting for it to be mined, for chains built with automine off (many transfers in one block, then
    /// <see cref="EvmRpc.MineAsync"/>); the transaction hash. A fixed gas limit, so anvil does not estimate each one.</summary>
    public async Task<string> SubmitTransferAsync(string from, string to, BigInteger value, CancellationToken cancellationToken = default)
    {
        var transaction = new { from, to = Address, gas = "0x186a0", data = "0x" + TransferSelector + Word(to) + Word(value) };
        return (await rpc.CallAsync("eth_sendTransaction", [transaction], cancellationToken).ConfigureAwait(false)).GetString()!;
    }

    public async Task<BigInteger> BalanceOfAsync(string holder, CancellationToken cancellationToken = default) =>
        Unsigned(await rpc.EthCallAsync(Address, "0x" + BalanceOfSelector + Word(holder), cancellationToken).ConfigureAwait(false));

    public async Task<BigInteger> TotalSupplyAsync(CancellationToken cancellationToken = default) =>
        Unsigned(await rpc.EthCallAsync(Address, "0x" + TotalSupplySelector, cancellationToken).ConfigureAwait(false));

    /// <summary>The token's Transfer logs over [<paramref name="from"/>, <paramref name="to"/>].</summary>
    public Task<JsonElement[]> TransferLogsAsync(long from, long to, CancellationToken cancellationToken = default) =>
        rpc.LogsAsync(from, to, Address, TransferTopic0, cancellationToken);

    private static string TransactionHash(JsonElement receipt) => receipt.GetProperty("transactionHash").GetString()!;

    // ABI words: 32 bytes, big-endian, left-padded with zeros (an address is its 20 bytes so padded).
    private static string Word(string address) =>
        address is ['0', 'x', .. var hex] && hex.Length == 40 ? hex.PadLeft(64, '0').ToLowerInvariant()
            : throw new ArgumentException($"'{address}' is not an address (0x and 40 hex digits)", nameof(address));

    private static string Word(BigInteger value) =>
        value.Sign >= 0 && value.GetByteCount(isUnsigned: true) <= 32
            ? Convert.ToHexStringLower(value.ToByteArray(isUnsigned: true, isBigEndian: true)).PadLeft(64, '0')
            : throw new ArgumentOutOfRangeException(nameof(value), value, "an ERC-20 amount is a uint256: 0 to 2^256 - 1");

    private static BigInteger Unsigned(string hex) =>
        BigInteger.Parse("0" + hex.AsSpan(2).ToString(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}
