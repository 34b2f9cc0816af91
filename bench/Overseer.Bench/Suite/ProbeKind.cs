namespace Overseer.Bench.Suite;

/// <summary>What a child process of the suite measures (<c>--probe</c>); the names are the command-line values.</summary>
internal static class ProbeKind
{
    /// <summary>Idle running workers: memory per worker and idle CPU.</summary>
    public const string IdleOurs = "idle-ours";

    /// <summary>Bare grains with a 1 s timer: memory per grain and idle CPU.</summary>
    public const string IdleBare = "idle-bare";

    /// <summary>Writes the states of bare grains (then exits) for a later cold read.</summary>
    public const string BareWrite = "bare-write";

    /// <summary>A fresh silo: cold reactivation of the stored states, silo ready → every grain active.</summary>
    public const string BareCold = "bare-cold";

    public static readonly IReadOnlyList<string> All = [IdleOurs, IdleBare, BareWrite, BareCold];
}
