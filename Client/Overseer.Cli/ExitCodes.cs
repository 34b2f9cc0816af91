namespace Overseer.Cli;

/// <summary>The process exit codes; scripts depend on them, so never renumber.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The cluster refused the operation (an <c>OverseerException</c>), failed inside (its
    /// <c>Internal</c> code), or an unexpected error.</summary>
    public const int Refused = 1;

    /// <summary>Bad command line or configuration; nothing was sent to the cluster.</summary>
    public const int Usage = 2;

    /// <summary>The cluster could not be reached, or it answered that its store (Redis) or one of its silos could not
    /// (an <c>OverseerException</c> with the <c>Unavailable</c> code), for the whole call budget.</summary>
    public const int Unreachable = 3;

    /// <summary>Interrupted with Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;

    /// <summary>Stopped by SIGTERM (128 + 15).</summary>
    public const int Terminated = 143;
}
