namespace Overseer.Cli.Commands;

/// <summary>A command's name, synopsis (without the program name), one-line description and parser.</summary>
/// <param name="Positionals">Names of the required positionals, e.g. <c>&lt;id&gt;</c>.</param>
/// <param name="Options">Options that take a value, e.g. <c>--source</c>; <c>--json</c> and <c>--help</c> are implied.</param>
/// <param name="Flags">Options that take no value, e.g. <c>--all</c>.</param>
internal sealed record CommandInfo(
    string Name,
    string Usage,
    string Description,
    string[] Positionals,
    string[] Options,
    Func<ArgReader, ICommand> Parse,
    string[]? Flags = null);
