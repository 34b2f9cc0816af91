namespace Overseer.Cli;

/// <summary>The process exit codes; scripts depend on them, so never renumber.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The cluster refused the operation (an <c>OverseerException</c>), or an unexpected error.</summary>
    public const int Refused = 1;

    /// <summary>Bad command line or configuration; nothing was sent to the cluster.</summary>
    public const int Usage = 2;

    /// <summary>The cluster (or its Redis) could not be reached.</summary>
    public const int Unreachable = 3;

    /// <summary>Interrupted with Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;

    /// <summary>Stopped by SIGTERM (128 + 15).</summary>
    public const int Terminated = 143;
}
