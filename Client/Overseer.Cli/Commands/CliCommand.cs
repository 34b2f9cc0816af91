using System.CommandLine;

namespace Overseer.Cli.Commands;

/// <summary>One command of the CLI: its System.CommandLine declaration (arguments, options and their help, which
/// also drive typo suggestions and completion) together with the handler that runs it. A new command is one file
/// that builds one of these (StopCommand.cs is the shape: symbols, then the handler that reads them from the parse),
/// plus its line in CliParser.Create and its row in README.md's CLI table (CliReadmeTests checks it).</summary>
internal sealed class CliCommand(string name, string description, CommandHandler handler) : Command(name, description)
{
    public CommandHandler Handler => handler;
}
