namespace Overseer.Bench.Suite;

/// <summary>Sizes and repetitions of a suite run: the sizes, tiny ones with <c>--quick</c>, and with
/// <c>--large</c> the 100,000-worker points as well.</summary>
/// <remarks>The 100,000-worker points are not in the default run: on 2 cores, seeding 100,000 workers through the
/// product's start path takes about 45 s per scenario, and idle, events and restore at that size add about 10 minutes
/// (the default run stays under the 10).</remarks>
internal sealed record SuiteSettings(bool Quick, bool Large = false)
{
    /// <summary>The size of the <c>--large</c> points.</summary>
    public const int LargeSize = 100_000;

    /// <summary>Where the results go under <c>bench/results/</c>: the full run's files, or a folder of their own.</summary>
    public string ResultsFolder => Quick ? "quick" : Large ? "large" : "";

    /// <summary>Interleaved repetitions of every headline figure (each one ours and one baseline).</summary>
    public int Repetitions => Quick ? 2 : 5;

    /// <summary>Repetitions of the scenarios that start a process per measurement (restore, idle): one with --quick.</summary>
    public int ProcessRepetitions => Quick ? 1 : 5;

    public int Starts => Quick ? 500 : 10_000;

    public int StartsInFlight => Quick ? 100 : 500;

    public int RestoreWorkers => Quick ? 200 : 10_000;

    /// <summary>Extra sizes for the restore-time chart, one repetition each (the headline size is already measured).</summary>
    public IReadOnlyList<int> RestoreChartSizes => Quick ? [] : Large ? [100, 1_000, LargeSize] : [100, 1_000];

    public int IdleWorkers => Quick ? 500 : 20_000;

    /// <summary>Extra idle sizes, one repetition each (ours and bare): the targets hold at 100,000 too, and its
    /// idle-CPU target is stated there (<c>--large</c>).</summary>
    public IReadOnlyList<int> IdleExtraSizes => Large ? [LargeSize] : [];

    public int EventWorkers => Quick ? 20 : 1_000;

    /// <summary>Extra sizes for the throughput chart, one repetition each.</summary>
    public IReadOnlyList<int> EventChartSizes => Quick ? [5] : Large ? [100, 10_000, LargeSize] : [100, 10_000];

    public TimeSpan EventWindow => Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5);

    /// <summary>Workers of the handler scenario (one row per event into PostgreSQL), one headline figure each.</summary>
    public IReadOnlyList<int> HandlerWorkers => Quick ? [20] : [100, 1_000];

    public TimeSpan HandlerWindow => Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5);

    /// <summary>Registered workers for list/summary/watch (<c>views</c>).</summary>
    public int ViewWorkers => Quick ? 2_000 : 1_000_000;

    /// <summary>Blocks of ERC-20 transfers on the <c>rebuild</c> scenario's chain.</summary>
    public int RebuildBlocks => Quick ? 10 : 1_000;

    /// <summary>Transfers in each of those blocks (with 9 mints: 50,009 Transfers in all, 209 with --quick).</summary>
    public int RebuildTransfersPerBlock => Quick ? 20 : 50;

    /// <summary>evm workers following the head in each window of the <c>reorg</c> scenario (one side at a time).</summary>
    public int ReorgWorkers => Quick ? 4 : 20;

    /// <summary>10-block rollbacks (and as many 11-block advances, their baseline) per repetition of the <c>reorg</c> scenario.</summary>
    public int ReorgRollbacks => Quick ? 3 : 20;

    /// <summary>XADDs per redis-benchmark run: about 4 s at its rate here, as long as our measuring window.</summary>
    public int RedisBenchmarkRequests => Quick ? 50_000 : 1_000_000;
}
