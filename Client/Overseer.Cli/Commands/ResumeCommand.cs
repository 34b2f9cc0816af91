namespace Overseer.Cli.Commands;

internal sealed class ResumeCommand(string id, bool json) : ICommand
{
    public static readonly CommandInfo Info = new(
        "resume",
        "resume <id> [--json]",
        "put a stopped, completed or failed worker back to work with a fresh restart budget",
        ["<id>"],
        [],
        args => new ResumeCommand(args.Id(0), args.Json));

    public bool Json => json;

    public async Task ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var client = await context.ConnectAsync(cancellationToken);
        var worker = await client.ResumeAsync(id, cancellationToken);
        await context.Output.WorkerAsync(worker, cancellationToken);
    }
}
