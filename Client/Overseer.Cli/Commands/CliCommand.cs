using System.CommandLine;

namespace Overseer.Cli.Commands;

/// <summary>One command of the CLI: its System.CommandLine declaration (arguments, options and their help, which
/// also drive typo suggestions and completion) together with the handler that runs it. A new command is one file
/// that builds one of these, plus its line in <see cref="CliParser.Commands"/>.</summary>
internal sealed class CliCommand(string name, string description, CommandHandler handler) : Command(name, description)
{
    public CommandHandler Handler => handler;
}
