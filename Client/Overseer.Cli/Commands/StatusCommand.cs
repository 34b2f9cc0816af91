namespace Overseer.Cli.Commands;

internal static class StatusCommand
{
    public static CliCommand Create()
    {
        var id = CliOptions.WorkerId();
        return new CliCommand("status", "show one worker: status, checkpoint, restarts, silo, source, last error", async (parse, context, ct) =>
        {
            var client = await context.ConnectAsync(ct);
            var worker = await client.GetStatusAsync(parse.GetRequiredValue(id), ct);
            await context.Output.WorkerAsync(worker, ct);
        })
        {
            id,
        };
    }
}
