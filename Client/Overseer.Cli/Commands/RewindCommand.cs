namespace Overseer.Cli.Commands;

internal static class RewindCommand
{
    public static CliCommand Create()
    {
        var id = CliOptions.WorkerId();
        var to = CliOptions.LongNumber("--to", "SEQ", "re-index after SEQ (0 = from the start); at most the worker's checkpoint", min: 0);
        to.Required = true;
        return new CliCommand("rewind", "re-index a worker from SEQ: stop it (fenced), remove its events after SEQ, set its checkpoint to SEQ, run it again if it was running", async (parse, context, ct) =>
        {
            var client = await context.ConnectAsync(ct);
            await context.Output.RewoundAsync(await client.RewindAsync(parse.GetRequiredValue(id), parse.GetValue(to)!.Value, ct), ct);
        })
        {
            id,
            to,
        };
    }
}
