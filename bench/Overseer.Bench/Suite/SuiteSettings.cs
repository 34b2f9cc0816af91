namespace Overseer.Bench.Suite;

/// <summary>Sizes and repetitions of a suite run: the sizes, or tiny ones with <c>--quick</c>.</summary>
internal sealed record SuiteSettings(bool Quick)
{
    /// <summary>Interleaved repetitions of every headline figure (each one ours and one baseline).</summary>
    public int Repetitions => Quick ? 2 : 5;

    /// <summary>Repetitions of the scenarios that start a process per measurement (restore, idle): one with --quick.</summary>
    public int ProcessRepetitions => Quick ? 1 : 5;

    public int Starts => Quick ? 500 : 10_000;

    public int StartsInFlight => Quick ? 100 : 500;

    public int RestoreWorkers => Quick ? 200 : 10_000;

    /// <summary>Extra sizes for the restore-time chart, one repetition each (the headline size is already measured).</summary>
    public IReadOnlyList<int> RestoreChartSizes => Quick ? [] : [100, 1_000];

    public int IdleWorkers => Quick ? 500 : 20_000;

    /// <summary>Extra idle sizes, one repetition each (ours and bare): the targets hold at 100,000 too, and its
    /// idle-CPU target is stated there.</summary>
    public IReadOnlyList<int> IdleExtraSizes => Quick ? [] : [100_000];

    public int EventWorkers => Quick ? 20 : 1_000;

    /// <summary>Extra sizes for the throughput chart, one repetition each.</summary>
    public IReadOnlyList<int> EventChartSizes => Quick ? [5] : [100, 10_000];

    public TimeSpan EventWindow => Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5);

    /// <summary>Registered workers for list/summary/watch (<c>views</c>).</summary>
    public int ViewWorkers => Quick ? 2_000 : 1_000_000;

    public int RedisBenchmarkRequests => Quick ? 50_000 : 2_000_000;
}
