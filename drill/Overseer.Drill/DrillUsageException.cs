namespace Overseer.Drill;

/// <summary>A malformed command line (exit 2).</summary>
internal sealed class DrillUsageException(string message) : Exception(message);
