using System.CommandLine;

namespace Overseer.Cli.Commands;

/// <summary>The command line grammar: every command, and <c>--json</c>, which every command takes.</summary>
internal static class CliParser
{
    /// <summary>The name people type (<c>./overseer</c>, or an alias); the binary is <c>Overseer.Cli</c>.</summary>
    public const string Program = "overseer";

    /// <summary><c>--json</c>: recursive, so it is declared once and accepted (and shown in help) by every command.</summary>
    public static readonly Option<bool> Json = new("--json")
    {
        Description = "write JSON (camelCase, enums as lower-case strings) instead of text",
        Arity = ArgumentArity.Zero,
        Recursive = true,
    };

    /// <summary>No response files: an argument that starts with '@' is a value, never a file to read arguments from.</summary>
    private static readonly ParserConfiguration Configuration = new() { ResponseFileTokenReplacer = null };

    /// <summary>The parser; built once, its symbols are immutable after this.</summary>
    public static RootCommand Root { get; } = Create();

    /// <summary>Every command, in the order help lists them.</summary>
    public static IEnumerable<CliCommand> Commands => Root.Subcommands.OfType<CliCommand>();

    public static ParseResult Parse(IReadOnlyList<string> args) => Root.Parse(args, Configuration);

    private static RootCommand Create()
    {
        var root = new RootCommand("Control an Overseer cluster.") { Json };

        // No --version: the CLI ships with the cluster it controls, and `help` would list it as a command option.
        foreach (var version in root.Options.OfType<VersionOption>().ToArray())
        {
            root.Options.Remove(version);
        }

        CliCommand[] commands =
        [
            StartCommand.Create(),
            StopCommand.Create(),
            ResumeCommand.Create(),
            StatusCommand.Create(),
            ListCommand.Create(),
            SummaryCommand.Create(),
            SilosCommand.Create(),
            WatchCommand.Create(),
            EventsCommand.Create(),
            DeleteCommand.Create(),
            RewindCommand.Create(),
            SkipCommand.Create(),
            DeadLettersCommand.Create(),
            ReplayCommand.Create(),
            DiscardCommand.Create(),
            AcceptCommand.Create(),
            AuditCommand.Create(),
            HelpCommand.Create(),
            CompletionCommand.Create(),
        ];
        foreach (var command in commands)
        {
            root.Subcommands.Add(command);
        }

        return root;
    }
}
