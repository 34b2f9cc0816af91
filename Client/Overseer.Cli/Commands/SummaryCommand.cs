namespace Overseer.Cli.Commands;

internal sealed class SummaryCommand(bool json) : ICommand
{
    public static readonly CommandInfo Info = new(
        "summary",
        "summary [--json]",
        "count workers by status, partitions and silos; total checkpoints and failovers",
        [],
        [],
        args => new SummaryCommand(args.Json));

    public bool Json => json;

    public async Task ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var client = await context.ConnectAsync(cancellationToken);
        var summary = await client.GetSummaryAsync(cancellationToken);
        await context.Output.SummaryAsync(summary, cancellationToken);
    }
}
