namespace Overseer.Cli.Commands;

internal static class StopCommand
{
    public static CliCommand Create()
    {
        var id = CliOptions.WorkerId();
        return new CliCommand("stop", "stop a worker; it stays stopped, whatever its restart policy, until resumed", async (parse, context, ct) =>
        {
            var client = await context.ConnectAsync(ct);
            var worker = await client.StopAsync(parse.GetRequiredValue(id), ct);
            await context.Output.WorkerAsync(worker, ct);
        })
        {
            id,
        };
    }
}
