using System.Collections.Immutable;
using Overseer.Models;

namespace Overseer.Cli.Commands;

internal sealed class StartCommand(string id, WorkerSpec spec, bool json) : ICommand
{
    public static readonly CommandInfo Info = new(
        "start",
        "start <id> --source <kind> [--option key=value]... [--restart transient|permanent|temporary] "
        + "[--max-restarts N] [--restart-window SECONDS] [--json]",
        "start a worker; starting it again with the same spec is a no-op",
        ["<id>"],
        ["--source", "--option", "--restart", "--max-restarts", "--restart-window"],
        Parse);

    public bool Json => json;

    public async Task ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var client = await context.ConnectAsync(cancellationToken);
        var worker = await client.StartAsync(id, spec, cancellationToken);
        await context.Output.WorkerAsync(worker, cancellationToken);
    }

    private static StartCommand Parse(ArgReader args)
    {
        var id = args.Id(0);
        var source = args.Required("--source", "kind");
        var options = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var option in args.Values("--option"))
        {
            var equals = option.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw args.Usage($"invalid --option '{option}': expected key=value");
            }

            var key = option[..equals];
            if (!options.TryAdd(key, option[(equals + 1)..]))
            {
                throw args.Usage($"invalid --option '{option}': key '{key}' is already set; give each key once");
            }
        }

        var spec = new WorkerSpec(
            source,
            options.ToImmutable(),
            args.Choice<RestartPolicy>("--restart") ?? RestartPolicy.Transient,
            args.Int("--max-restarts", min: 0),
            args.Seconds("--restart-window"));
        return new StartCommand(id, spec, args.Json);
    }
}
