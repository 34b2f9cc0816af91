using System.Text;
using Overseer.Client;

namespace Overseer.Cli.Commands;

/// <summary>Prints the synopsis of every command, or of one; never connects.</summary>
internal sealed class HelpCommand(CommandInfo? command) : ICommand
{
    public static readonly CommandInfo Info = new(
        "help",
        "help [command]",
        "show this help, or one command's usage",
        ["[command]"],
        [],
        Parse);

    public bool Json => false;

    public Task ExecuteAsync(CommandContext context, CancellationToken cancellationToken) =>
        context.Output.TextAsync(command is null ? General() : Single(command), cancellationToken);

    private static HelpCommand Parse(ArgReader args) => args.Positional(0) is not { } name
        ? new HelpCommand(null)
        : new HelpCommand(CommandCatalog.Find(name) ?? throw args.Usage(
            $"unknown command '{name}': expected one of {string.Join(", ", CommandCatalog.All.Select(c => c.Name))}"));

    private static string Single(CommandInfo info) =>
        $"usage: {CommandCatalog.Program} {info.Usage}\n  {info.Description}\n";

    private static string General()
    {
        var text = new StringBuilder()
            .Append("Control an Overseer cluster.\n\n")
            .Append($"usage: {CommandCatalog.Program} <command> [arguments] [--json]\n\ncommands:\n");
        foreach (var info in CommandCatalog.All)
        {
            text.Append($"  {info.Usage}\n      {info.Description}\n");
        }

        return text
            .Append("\n--json writes JSON (camelCase, enums as lower-case strings) instead of text.\n")
            .Append("\nconfiguration (appsettings.json next to the binary, or environment variables):\n")
            .Append($"  ConnectionStrings__redis           Redis with the cluster membership (default {OverseerClientOptions.DefaultRedis})\n")
            .Append($"  Orleans__ClusterId                 cluster id (default {OverseerClientOptions.DefaultClusterId})\n")
            .Append($"  Orleans__ServiceId                 service id (default {OverseerClientOptions.DefaultServiceId})\n")
            .Append($"  Overseer__Client__ConnectTimeout   seconds to keep trying to connect (default {OverseerClientOptions.DefaultConnectTimeout.TotalSeconds})\n")
            .Append($"  Overseer__Client__CallTimeout      seconds a command keeps retrying through other gateways (default {OverseerClientOptions.DefaultCallTimeout.TotalSeconds})\n")
            .Append("\nexit codes: 0 ok, 1 refused by the cluster, 2 usage or configuration error, 3 cluster unreachable\n")
            .ToString();
    }
}
