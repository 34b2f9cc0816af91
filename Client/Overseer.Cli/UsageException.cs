namespace Overseer.Cli;

/// <summary>A command line that cannot be run; <see cref="Usage"/> is the synopsis to show with it.</summary>
internal sealed class UsageException(string message, string? usage) : Exception(message)
{
    public string? Usage => usage;
}
