using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace Overseer.Cli.Commands;

/// <summary>Why a command line cannot run, in one message that names the bad token and what is valid, with
/// System.CommandLine's typo suggestions and the command's synopsis.</summary>
/// <param name="Message">e.g. <c>unknown option '--al': 'silos' takes --all and --json</c>.</param>
/// <param name="Suggestions">"Did you mean" lines from System.CommandLine, or empty.</param>
/// <param name="Usage">The synopsis of the command (or of the CLI) that was being parsed.</param>
internal sealed record UsageError(string Message, string Suggestions, string Usage)
{
    public static UsageError Of(ParseResult parse, IReadOnlyList<string> args)
    {
        var command = parse.CommandResult.Command;
        return new UsageError(Describe(parse, command), Suggest(parse, args), Synopsis.Of(command));
    }

    private static string Describe(ParseResult parse, Command command)
    {
        if (parse.UnmatchedTokens is [var token, ..])
        {
            return (command, token.StartsWith('-')) switch
            {
                (RootCommand, _) => $"unknown command '{token}': expected one of {CliHelp.CommandNames()}",
                (_, true) => Synopsis.Options(command).Select(o => o.Name).ToArray() is { Length: > 0 } known
                    ? $"unknown option '{token}': '{command.Name}' takes {string.Join(", ", known)} and --json"
                    : $"unknown option '{token}': '{command.Name}' takes only --json",
                _ => $"unexpected argument '{token}'",
            };
        }

        if (command is RootCommand)
        {
            return "no command given";
        }

        var error = parse.Errors[0];
        return error.SymbolResult switch
        {
            ArgumentResult { Tokens.Count: 0, Parent: CommandResult } argument => $"missing <{argument.Argument.Name}>",
            OptionResult { Tokens.Count: 0, IdentifierToken: null } option => $"missing {option.Option.Name} <{option.Option.HelpName ?? "value"}>",
            OptionResult { Tokens.Count: 0, Option.Arity.MinimumNumberOfValues: > 0 } option =>
                $"option {option.Option.Name} needs a value" + (CliOptions.Expected(option.Option) is { } expected ? $": expected {expected}" : ""),
            _ => error.Message,
        };
    }

    /// <summary>System.CommandLine's typo corrections for the first unknown token alone: the parse is repeated up to
    /// that token (so later tokens, unmatched only because of it, add no noise) and its error action run with
    /// corrections on and help off; of what it writes, the error messages are dropped (we word our own).</summary>
    private static string Suggest(ParseResult parse, IReadOnlyList<string> args)
    {
        if (parse.UnmatchedTokens is not [var token, ..] || args.ToList().IndexOf(token) is var at && at < 0)
        {
            return "";
        }

        var upToToken = CliParser.Parse(args.Take(at + 1).ToArray());
        if (upToToken.Action is not ParseErrorAction action)
        {
            return "";
        }

        action.ShowHelp = false;
        action.ShowTypoCorrections = true;
        using var writer = new StringWriter();
        upToToken.Invoke(new InvocationConfiguration { Output = writer, Error = writer });
        var messages = upToToken.Errors.Select(e => e.Message).ToHashSet(StringComparer.Ordinal);
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join('\n', lines.Where(line => !messages.Contains(line)));
    }
}
