namespace Overseer.Bench;

/// <summary>The command line is malformed; the message names the argument and what would be valid.</summary>
internal sealed class UsageException(string message) : Exception(message);
