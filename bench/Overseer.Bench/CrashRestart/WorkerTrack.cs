using System.Diagnostics;

namespace Overseer.Bench.CrashRestart;

/// <summary>One worker's pairing state and results (guarded by its <see cref="CrashCommitCollector"/>).</summary>
internal sealed class WorkerTrack
{
    public List<CrashCommitSample> Samples { get; private init; } = [];

    /// <summary>Whether an exit span said the worker ended Failed (its samples are then excluded).</summary>
    public bool Failed { get; set; }

    /// <summary>Crashes followed by another crash before any commit.</summary>
    public int Unpaired { get; set; }

    public long? LastThrow { get; set; }

    public long? PendingExit { get; set; }

    public long? PendingThrow { get; set; }

    /// <summary>The first commit after <see cref="LastThrow"/>, while the crash's exit span has not stopped.</summary>
    public long? CommitAfterThrow { get; set; }

    /// <summary>Adds the pairing of the exit that started at <paramref name="exit"/> (and the throw at
    /// <paramref name="threw"/>) with the commit that ended at <paramref name="committed"/>; Stopwatch timestamps.</summary>
    public void Add(long exit, long? threw, long committed) =>
        Samples.Add(new CrashCommitSample(
            Stopwatch.GetElapsedTime(exit, committed).TotalMilliseconds,
            threw is { } t ? Stopwatch.GetElapsedTime(t, committed).TotalMilliseconds : null));

    public WorkerTrack Copy() => new() { Samples = [.. Samples], Failed = Failed, Unpaired = Unpaired };
}
