namespace Overseer.Cli.Commands;

internal sealed class StopCommand(string id, bool json) : ICommand
{
    public static readonly CommandInfo Info = new(
        "stop",
        "stop <id> [--json]",
        "stop a worker; it stays stopped, whatever its restart policy, until resumed",
        ["<id>"],
        [],
        args => new StopCommand(args.Id(0), args.Json));

    public bool Json => json;

    public async Task ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var client = await context.ConnectAsync(cancellationToken);
        var worker = await client.StopAsync(id, cancellationToken);
        await context.Output.WorkerAsync(worker, cancellationToken);
    }
}
