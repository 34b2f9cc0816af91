namespace Overseer.Cli.Commands;

internal static class ReplayCommand
{
    public static CliCommand Create()
    {
        var id = CliOptions.WorkerId();
        var seq = CliOptions.LongNumber("--seq", "SEQ", "the dead letter's seq", min: 1);
        seq.Required = true;
        return new CliCommand("replay", "run the worker's handler again on one dead letter, in its commit order and once, and remove it (audited)", async (parse, context, ct) =>
        {
            var client = await context.ConnectAsync(ct);
            await context.Output.DeadLetterAsync(await client.ReplayAsync(parse.GetRequiredValue(id), parse.GetValue(seq)!.Value, ct), "replayed", ct);
        })
        {
            id,
            seq,
        };
    }
}
