using System.CommandLine;
using System.CommandLine.Completions;

namespace Overseer.Cli.Commands;

/// <summary><c>help [command]</c>: the same text as <c>overseer [command] --help</c>; never connects.</summary>
internal static class HelpCommand
{
    public static CliCommand Create()
    {
        var name = new Argument<string?>("command") { Description = "the command to describe", HelpName = "command", Arity = ArgumentArity.ZeroOrOne };
        name.CompletionSources.Add(_ => CliParser.Commands.Select(c => new CompletionItem(c.Name)));
        name.Validators.Add(result =>
        {
            if (result.Tokens is [var token] && CliParser.Commands.All(c => c.Name != token.Value))
            {
                result.AddError($"unknown command '{token.Value}': expected one of {CliHelp.CommandNames()}");
            }
        });
        return new CliCommand("help", "show this help, or one command's usage", (parse, context, ct) =>
            context.Output.TextAsync(CliHelp.For(parse.GetValue(name)), ct))
        {
            name,
        };
    }
}
