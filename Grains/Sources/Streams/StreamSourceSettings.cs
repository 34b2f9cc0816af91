namespace Overseer.Sources.Streams;

/// <summary>Options of the built-in <c>stream</c> source.</summary>
/// <param name="Upstream">The id of the worker whose committed Redis stream this worker follows (required).</param>
/// <param name="Batch">Events read per fetch (default 500).</param>
/// <param name="MaxWait">How long an idle follower waits for its upstream's commit notification before it reads the
/// upstream's checkpoint again anyway (default 5 s): a lost notification only delays, by at most this.</param>
internal sealed record StreamSourceSettings(string Upstream, int Batch, TimeSpan MaxWait)
{
    public static readonly string[] Names = ["upstream", "batch", "maxWaitMs"];

    public static (StreamSourceSettings? Settings, IReadOnlyList<string> Problems) Read(IReadOnlyDictionary<string, string> options)
    {
        var reader = new SourceOptionReader(StreamSourceFactory.Kind, options, Names);
        var upstream = reader.String("upstream", id => WorkerIds.Validate(id) is null, "the id of the worker to follow (1-128 characters of A-Z a-z 0-9 . _ : -)");
        var batch = reader.Int64("batch", 1, 10_000) ?? 500;
        var maxWait = reader.Int64("maxWaitMs", 100, 600_000) ?? 5_000;
        var problems = reader.Problems;
        if (!options.ContainsKey("upstream"))
        {
            problems = [.. problems, "option upstream is required for source stream: the id of the worker whose Redis stream to follow (e.g. upstream=evm-mainnet)"];
        }

        return problems.Count > 0 || upstream is null
            ? (null, problems)
            : (new StreamSourceSettings(upstream, (int)batch, TimeSpan.FromMilliseconds(maxWait)), problems);
    }
}
