using System.Collections.Immutable;
using Overseer.Models;

namespace Overseer.Cli.Commands;

internal sealed class StartCommand(string id, WorkerSpec spec, bool json, bool tryOnly = false, TimeSpan? wait = null) : ICommand
{
    public static readonly CommandInfo Info = new(
        "start",
        "start <id> --source <kind> [--option key=value]... [--restart transient|permanent|temporary] "
        + "[--max-restarts N] [--restart-window SECONDS] [--wait SECONDS | --try] [--json]",
        "start a worker; starting it again with the same spec is a no-op. With a full running-worker pool it is queued "
        + "(pending); --wait blocks until it runs (exit 1 on timeout, still queued), --try refuses at once (exit 1)",
        ["<id>"],
        ["--source", "--option", "--restart", "--max-restarts", "--restart-window", "--wait"],
        Parse,
        ["--try"]);

    public bool Json => json;

    public async Task ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var client = await context.ConnectAsync(cancellationToken);
        var worker = wait is { } timeout
            ? await client.StartAndWaitAsync(id, spec, timeout, cancellationToken)
            : await client.StartAsync(id, spec, tryOnly ? StartMode.Try : StartMode.Queue, cancellationToken);
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
        var wait = args.Seconds("--wait");
        var tryOnly = args.Flag("--try");
        if (tryOnly && wait is not null)
        {
            throw args.Usage("--wait and --try exclude each other: --wait blocks until a slot frees, --try refuses at once");
        }

        return new StartCommand(id, spec, args.Json, tryOnly, wait);
    }
}
