namespace Overseer.Sources.Evm;

/// <summary>The options of the <c>evm</c> source kind, read and validated in one place.</summary>
/// <param name="Rpc">HTTP JSON-RPC URL of the node (required).</param>
/// <param name="Ws">WebSocket URL for <c>eth_subscribe("newHeads")</c>; null = poll only.</param>
/// <param name="From">First block (≥ 1); null = the head minus <paramref name="Confirmations"/> at the first start.</param>
/// <param name="Confirmations">A block is indexed once it is this deep (default 2): head − confirmations is the safe head.</param>
/// <param name="Batch">Blocks per poll: per JSON-RPC batch in blocks mode, per <c>eth_getLogs</c> range in logs mode (default 50).</param>
/// <param name="Addresses">Logs mode: contract addresses (lower-case 0x…40 hex), empty = any.</param>
/// <param name="Topic0">Logs mode: the first topic (event signature hash), null = any.</param>
/// <param name="Interval">Pause between polls when caught up (default 1 s).</param>
/// <param name="Stall">No new head on the socket for this long counts as a stalled push handler (default 30 s; keep it above the chain's block time).</param>
/// <param name="MaxOutage">How long the node may be unusable before the run crashes (default 60 s).</param>
/// <param name="Finality">A block is final this many blocks below the head; null (the default) = the node's
/// <c>finalized</c> block, or head − <see cref="DefaultFinality"/> on a node without that tag. A reorg of committed
/// blocks above the final one is rolled back; one below it halts the worker. 0 = every indexed block is final: any
/// reorg of a committed block halts.</param>
internal sealed record EvmSettings(
    Uri Rpc,
    Uri? Ws,
    long? From,
    int Confirmations,
    int Batch,
    IReadOnlyList<string> Addresses,
    string? Topic0,
    TimeSpan Interval,
    TimeSpan Stall,
    TimeSpan MaxOutage,
    int? Finality = null)
{
    /// <summary>The finality depth on a node that has no <c>finalized</c> block tag: two epochs of Ethereum's beacon chain.</summary>
    public const int DefaultFinality = 64;

    public static readonly string[] Names = ["rpc", "ws", "from", "confirmations", "batch", "address", "topic0", "intervalMs", "stallMs", "maxOutageMs", "finality"];

    /// <summary>Logs mode: one event per matching log; otherwise blocks mode, one event per block.</summary>
    public bool LogsMode => Addresses.Count > 0 || Topic0 is not null;

    public static (EvmSettings? Settings, IReadOnlyList<string> Problems) Read(string kind, IReadOnlyDictionary<string, string> options)
    {
        var reader = new SourceOptionReader(kind, options, Names);
        var problems = new List<string>();
        var rpc = ReadUrl(kind, options, "rpc", ["http", "https"], problems, "http://127.0.0.1:8545");
        var ws = options.ContainsKey("ws") ? ReadUrl(kind, options, "ws", ["ws", "wss"], problems, "ws://127.0.0.1:8545") : null;
        if (!options.ContainsKey("rpc"))
        {
            problems.Add($"option rpc is required for source {kind}: the node's HTTP JSON-RPC URL, e.g. http://127.0.0.1:8545");
        }

        var from = reader.Int64("from", 1, long.MaxValue / EvmPosition.LogsPerBlock);
        var confirmations = reader.Int64("confirmations", 0, 10_000) ?? 2;
        var batch = reader.Int64("batch", 1, 1000) ?? 50;
        var interval = reader.Int64("intervalMs", 10, 600_000) ?? 1000;
        var stall = reader.Int64("stallMs", 100, 3_600_000) ?? 30_000;
        var outage = reader.Int64("maxOutageMs", 1000, 86_400_000) ?? 60_000;
        var finality = reader.Int64("finality", 0, EvmJournal.Limit);
        var addresses = new List<string>();
        if (options.TryGetValue("address", out var rawAddresses))
        {
            foreach (var part in rawAddresses.Split(',', StringSplitOptions.TrimEntries))
            {
                if (IsHex(part, 40))
                {
                    addresses.Add(part.ToLowerInvariant());
                }
                else
                {
                    problems.Add($"invalid option address='{rawAddresses}' for source {kind}: '{part}' is not an address; expected one or several comma-separated 0x-prefixed 20-byte hex addresses, e.g. 0x5fbdb2315678afecb367f032d93f642f64180aa3");
                }
            }
        }

        var topic0 = reader.String("topic0", t => IsHex(t, 64), "a 0x-prefixed 32-byte hex topic (an event signature hash), e.g. 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
        problems.AddRange(reader.Problems);
        return problems.Count > 0 || rpc is null
            ? (null, problems)
            : (new EvmSettings(
                rpc,
                ws,
                from,
                (int)confirmations,
                (int)batch,
                addresses,
                topic0?.ToLowerInvariant(),
                TimeSpan.FromMilliseconds(interval),
                TimeSpan.FromMilliseconds(stall),
                TimeSpan.FromMilliseconds(outage),
                (int?)finality), problems);
    }

    private static Uri? ReadUrl(string kind, IReadOnlyDictionary<string, string> options, string name, string[] schemes, List<string> problems, string example)
    {
        if (!options.TryGetValue(name, out var raw))
        {
            return null;
        }

        if (Uri.TryCreate(raw, UriKind.Absolute, out var uri) && schemes.Contains(uri.Scheme) && !string.IsNullOrEmpty(uri.Host))
        {
            return uri;
        }

        problems.Add($"invalid option {name}='{raw}' for source {kind}: expected an absolute {string.Join(" or ", schemes)} URL, e.g. {example}");
        return null;
    }

    private static bool IsHex(string value, int digits) =>
        value.Length == digits + 2 && value.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && value.AsSpan(2).ContainsAnyExcept("0123456789abcdefABCDEF") is false;
}
