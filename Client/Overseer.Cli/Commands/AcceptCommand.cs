namespace Overseer.Cli.Commands;

/// <summary><c>accept</c>: the operator's answer to a worker that waits on a handler version change.</summary>
internal static class AcceptCommand
{
    public static CliCommand Create()
    {
        var id = CliOptions.WorkerId();
        return new CliCommand("accept", "continue a worker halted by a handler version change from its checkpoint, with the new version (fenced, audited); rewind --to 0 rebuilds instead", async (parse, context, ct) =>
        {
            var client = await context.ConnectAsync(ct);
            await context.Output.AcceptedAsync(await client.AcceptAsync(parse.GetRequiredValue(id), ct), ct);
        })
        {
            id,
        };
    }
}
