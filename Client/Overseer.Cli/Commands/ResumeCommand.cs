namespace Overseer.Cli.Commands;

internal static class ResumeCommand
{
    public static CliCommand Create()
    {
        var id = CliOptions.WorkerId();
        return new CliCommand("resume", "put a stopped, completed or failed worker back to work with a fresh restart budget", async (parse, context, ct) =>
        {
            var client = await context.ConnectAsync(ct);
            var worker = await client.ResumeAsync(parse.GetRequiredValue(id), ct);
            await context.Output.WorkerAsync(worker, ct);
        })
        {
            id,
        };
    }
}
