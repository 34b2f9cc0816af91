namespace Overseer.Cli.Commands;

internal static class AuditCommand
{
    public static CliCommand Create()
    {
        var limit = CliOptions.WholeNumber("--limit", "N", "the newest N entries (default 50)", min: 1, max: 10_000);
        return new CliCommand("audit", "show who asked for which delete or rewind, when, and how it ended (oldest first)", async (parse, context, ct) =>
        {
            var client = await context.ConnectAsync(ct);
            await context.Output.AuditAsync(await client.GetAuditAsync(parse.GetValue(limit) ?? 50, ct), ct);
        })
        {
            limit,
        };
    }
}
