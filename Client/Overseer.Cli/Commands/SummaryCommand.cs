namespace Overseer.Cli.Commands;

internal static class SummaryCommand
{
    public static CliCommand Create() =>
        new("summary", "count workers by status, partitions and silos; total checkpoints and failovers", async (_, context, ct) =>
        {
            var client = await context.ConnectAsync(ct);
            var summary = await client.GetSummaryAsync(ct);
            await context.Output.SummaryAsync(summary, ct);
        });
}
