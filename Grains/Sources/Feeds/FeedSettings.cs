namespace Overseer.Sources.Feeds;

/// <summary>Options shared by the feed source kinds (<c>http-poll</c>, <c>websocket</c>, <c>feed</c>).</summary>
/// <param name="Url">The feed's base URL.</param>
/// <param name="Batch">Events per HTTP page (default 100).</param>
/// <param name="Interval">Pause between polls when caught up (default 500 ms).</param>
/// <param name="Stall">Silence on the socket (no event, no heartbeat) that counts as stalled (default 2 s).</param>
/// <param name="MaxOutage">How long a source keeps retrying an unreachable feed before the run crashes (default 60 s).</param>
internal sealed record FeedSettings(FeedUrl Url, int Batch, TimeSpan Interval, TimeSpan Stall, TimeSpan MaxOutage)
{
    public static (FeedSettings? Settings, IReadOnlyList<string> Problems) Read(string kind, IReadOnlyDictionary<string, string> options, params string[] names)
    {
        var reader = new SourceOptionReader(kind, options, names);
        var problems = new List<string>();
        options.TryGetValue("url", out var raw);
        var url = FeedUrl.TryParse(kind, raw, problems);
        var batch = reader.Int64("batch", 1, 1000) ?? 100;
        var interval = reader.Int64("intervalMs", 10, 60_000) ?? 500;
        var stall = reader.Int64("stallMs", 100, 600_000) ?? 2000;
        var outage = reader.Int64("maxOutageMs", 1000, 86_400_000) ?? 60_000;
        problems.AddRange(reader.Problems);
        return problems.Count > 0 || url is null
            ? (null, problems)
            : (new FeedSettings(url, (int)batch, TimeSpan.FromMilliseconds(interval), TimeSpan.FromMilliseconds(stall), TimeSpan.FromMilliseconds(outage)), problems);
    }
}
