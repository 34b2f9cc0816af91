using System.CommandLine;
using System.CommandLine.Help;
using System.Text;

namespace Overseer.Cli.Commands;

/// <summary>One line per command, from its declaration, in the notation of its help: <c>start &lt;id&gt; --source &lt;kind&gt; [--option &lt;key=value&gt;]... [--json]</c>.
/// Shown under a usage error, and the shape of the README's CLI table.</summary>
internal static class Synopsis
{
    public static string Of(Command command)
    {
        if (command is RootCommand)
        {
            return "<command> [arguments] [--json]   (see 'overseer help')";
        }

        var text = new StringBuilder(command.Name);
        foreach (var argument in command.Arguments.Where(a => !a.Hidden))
        {
            text.Append(argument.Arity.MinimumNumberOfValues == 0 ? $" [{argument.Name}]" : $" <{argument.Name}>");
        }

        foreach (var option in Options(command))
        {
            var value = option.Arity.MaximumNumberOfValues == 0 ? "" : $" <{option.HelpName ?? "value"}>";
            var repeat = option.Arity.MaximumNumberOfValues > 1 ? "..." : "";
            text.Append(option.Required ? $" {option.Name}{value}" : $" [{option.Name}{value}]{repeat}");
        }

        return text.Append(" [--json]").ToString();
    }

    /// <summary>The options a command declares itself: not the help option, nor <c>--json</c>, which every command takes.</summary>
    public static IEnumerable<Option> Options(Command command) =>
        command.Options.Where(o => !o.Hidden && o is not HelpOption && o != CliParser.Json);
}
