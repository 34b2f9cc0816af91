using Overseer.Models;

namespace Overseer.Cli.Commands;

internal sealed class ListCommand(WorkerStatus? status, int? limit, bool json) : ICommand
{
    public static readonly CommandInfo Info = new(
        "list",
        "list [--status pending|running|backoff|stopped|completed|failed] [--limit N] [--json]",
        "list workers ordered by id, streamed page by page (default: all)",
        [],
        ["--status", "--limit"],
        args => new ListCommand(args.Choice<WorkerStatus>("--status"), args.Int("--limit", min: 0), args.Json));

    public bool Json => json;

    public async Task ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var client = await context.ConnectAsync(cancellationToken);
        await context.Output.WorkersAsync(client.ListAsync(status, limit, cancellationToken: cancellationToken), cancellationToken);
    }
}
