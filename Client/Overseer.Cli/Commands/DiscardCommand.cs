namespace Overseer.Cli.Commands;

internal static class DiscardCommand
{
    public static CliCommand Create()
    {
        var id = CliOptions.WorkerId();
        var seq = CliOptions.LongNumber("--seq", "SEQ", "the dead letter's seq", min: 1);
        seq.Required = true;
        return new CliCommand("discard", "remove one dead letter without replaying it (audited)", async (parse, context, ct) =>
        {
            var client = await context.ConnectAsync(ct);
            await context.Output.WorkerAsync(await client.DiscardAsync(parse.GetRequiredValue(id), parse.GetValue(seq)!.Value, ct), ct);
        })
        {
            id,
            seq,
        };
    }
}
