namespace Overseer.ReferenceSource.Hosting;

/// <summary>A command line that prevents start-up; the message names the argument, the value and what would be valid.</summary>
internal sealed class CommandLineException(string message) : Exception(message);
