namespace Overseer.Cli.Commands;

internal static class SkipCommand
{
    public static CliCommand Create()
    {
        var id = CliOptions.WorkerId();
        var seq = CliOptions.LongNumber("--seq", "SEQ", "the seq the worker halted at (a guard: refused if it halted elsewhere); default: that one", min: 1);
        return new CliCommand("skip", "pass the poison event a halted worker stopped at, without its effects (fenced, once, audited), and resume it", async (parse, context, ct) =>
        {
            var client = await context.ConnectAsync(ct);
            await context.Output.WorkerAsync(await client.SkipAsync(parse.GetRequiredValue(id), parse.GetValue(seq), ct), ct);
        })
        {
            id,
            seq,
        };
    }
}
