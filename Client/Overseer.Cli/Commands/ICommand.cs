namespace Overseer.Cli.Commands;

/// <summary>One parsed, ready-to-run command line.</summary>
internal interface ICommand
{
    /// <summary>Whether results are written as JSON (<c>--json</c>).</summary>
    bool Json { get; }

    Task ExecuteAsync(CommandContext context, CancellationToken cancellationToken);
}
