namespace Overseer.Bench.Suite;

/// <summary>What a child process measured about itself (one JSON line on its stdout).</summary>
internal sealed record ProbeResult
{
    /// <summary>The timed phase (activations, cold reads), in milliseconds.</summary>
    public double Milliseconds { get; init; }

    public int Count { get; init; }

    /// <summary>Resident set growth per activation after a full GC, in bytes.</summary>
    public double RssBytesPerActivation { get; init; }

    /// <summary>Managed heap growth per activation after a full GC, in bytes.</summary>
    public double HeapBytesPerActivation { get; init; }

    /// <summary>CPU used by the process while idle, in cores.</summary>
    public double IdleCores { get; init; }
}
