using System.CommandLine;
using System.CommandLine.Help;
using System.Text;
using Overseer.Client;

namespace Overseer.Cli.Commands;

/// <summary>Help text: System.CommandLine's own help for a command, under the name people type, and for the
/// whole CLI also the configuration and the exit codes.</summary>
internal static class CliHelp
{
    /// <summary>The help of <paramref name="command"/>, or of the whole CLI when null.</summary>
    public static string For(string? command) => Render(CliParser.Parse(command is null ? ["--help"] : [command, "--help"]));

    /// <summary>Runs the parse's help action (from <c>--help</c>, <c>-h</c> or <c>-?</c>) and returns what it wrote.</summary>
    public static string Render(ParseResult parse)
    {
        if (parse.Action is not HelpAction)
        {
            throw new InvalidOperationException($"'{parse}' does not ask for help");
        }

        using var writer = new StringWriter();
        parse.Invoke(new InvocationConfiguration { Output = writer, Error = writer });

        // The root command is named after the binary (Overseer.Cli) and System.CommandLine's help builder cannot be
        // customised in 2.0; people run ./overseer, so the usage lines say that.
        var text = writer.ToString().Replace($"  {RootCommand.ExecutableName} ", $"  {CliParser.Program} ", StringComparison.Ordinal)
            .Replace($"  {RootCommand.ExecutableName}\n", $"  {CliParser.Program}\n", StringComparison.Ordinal);
        return parse.CommandResult.Command is RootCommand ? text + Appendix() : text;
    }

    public static string CommandNames() => string.Join(", ", CliParser.Commands.Select(c => c.Name));

    private static string Appendix() => new StringBuilder()
        .Append("Configuration (appsettings.json next to the binary, or environment variables):\n")
        .Append($"  ConnectionStrings__redis           Redis with the cluster membership (default {OverseerClientOptions.DefaultRedis})\n")
        .Append($"  Orleans__ClusterId                 cluster id (default {OverseerClientOptions.DefaultClusterId})\n")
        .Append($"  Orleans__ServiceId                 service id (default {OverseerClientOptions.DefaultServiceId})\n")
        .Append($"  Overseer__Client__ConnectTimeout   seconds to keep trying to connect (default {OverseerClientOptions.DefaultConnectTimeout.TotalSeconds})\n")
        .Append($"  Overseer__Client__CallTimeout      seconds a command keeps retrying through other gateways or while Redis is unavailable (default {OverseerClientOptions.DefaultCallTimeout.TotalSeconds})\n")
        .Append("  Overseer__Client__Actor            who this client says it is in the audit stream (default user@host)\n")
        .Append("\nExit codes: 0 ok, 1 refused by the cluster, 2 usage or configuration error, 3 cluster or its Redis unreachable\n")
        .Append($"\nTab completion in bash: source <({CliParser.Program} completion bash)\n")
        .ToString();
}
