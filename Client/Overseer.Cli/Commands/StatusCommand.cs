namespace Overseer.Cli.Commands;

internal sealed class StatusCommand(string id, bool json) : ICommand
{
    public static readonly CommandInfo Info = new(
        "status",
        "status <id> [--json]",
        "show one worker: status, checkpoint, restarts, silo, source, last error",
        ["<id>"],
        [],
        args => new StatusCommand(args.Id(0), args.Json));

    public bool Json => json;

    public async Task ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var client = await context.ConnectAsync(cancellationToken);
        var worker = await client.GetStatusAsync(id, cancellationToken);
        await context.Output.WorkerAsync(worker, cancellationToken);
    }
}
