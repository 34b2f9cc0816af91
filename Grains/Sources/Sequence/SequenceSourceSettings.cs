namespace Overseer.Sources.Sequence;

/// <summary>Options of the built-in <c>sequence</c> source (a struct: each source holds them inline).</summary>
/// <param name="Limit">Total events, then the source is exhausted; null = unbounded (the option <c>limit=0</c>, as the
/// README's source table says, or no <c>limit</c> at all).</param>
/// <param name="Batch">Events per fetch (default 100).</param>
/// <param name="DelayMs">Pause per fetch (default 0).</param>
/// <param name="FailAfter">Throw after delivering this many events since the run started; null = never; 0 = at once.</param>
internal readonly record struct SequenceSourceSettings(long? Limit, int Batch, int DelayMs, long? FailAfter)
{
    public static readonly string[] Names = ["limit", "batch", "delayMs", "failAfter"];

    public static (SequenceSourceSettings? Settings, IReadOnlyList<string> Problems) Read(IReadOnlyDictionary<string, string> options)
    {
        var reader = new SourceOptionReader(SequenceSourceFactory.Kind, options, Names);
        // 0 = unbounded, the same as leaving it out (a limit of zero events would be a worker that completes at once).
        var limit = reader.Int64("limit", 0, long.MaxValue / 2) is { } l and > 0 ? l : (long?)null;
        var batch = reader.Int64("batch", 1, 10_000) ?? 100;
        var delay = reader.Int64("delayMs", 0, 3_600_000) ?? 0;
        var failAfter = reader.Int64("failAfter", 0, long.MaxValue / 2);
        var problems = reader.Problems;
        return problems.Count > 0
            ? (null, problems)
            : (new SequenceSourceSettings(limit, (int)batch, (int)delay, failAfter), problems);
    }
}
