namespace Overseer.Cli.Commands;

internal static class DeadLettersCommand
{
    public static CliCommand Create()
    {
        var id = CliOptions.OptionalWorkerId("only this worker's dead letters (default: every worker's)");
        var limit = CliOptions.WholeNumber("--limit", "N", "at most N dead letters (default: all)", min: 0);
        return new CliCommand("dead-letters", "list dead letters (poison events passed with policy dead-letter) by worker and seq, streamed page by page", async (parse, context, ct) =>
        {
            var client = await context.ConnectAsync(ct);
            await context.Output.DeadLettersAsync(client.GetDeadLettersAsync(parse.GetValue(id), parse.GetValue(limit), ct), ct);
        })
        {
            id,
            limit,
        };
    }
}
