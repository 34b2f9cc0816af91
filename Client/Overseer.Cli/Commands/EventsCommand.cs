namespace Overseer.Cli.Commands;

internal static class EventsCommand
{
    public static CliCommand Create()
    {
        var id = CliOptions.WorkerId();
        var from = CliOptions.LongNumber("--from", "SEQ", "the first sequence number (default 1)", min: 0);
        var count = CliOptions.WholeNumber("--count", "N", "at most N events (default: all)", min: 0);
        return new CliCommand("events", "print a worker's committed events in order from SEQ (default 1; default count: all)", async (parse, context, ct) =>
        {
            var client = await context.ConnectAsync(ct);
            var events = client.GetEventsAsync(parse.GetRequiredValue(id), parse.GetValue(from) ?? 1, parse.GetValue(count), ct);
            await context.Output.EventsAsync(events, ct);
        })
        {
            id,
            from,
            count,
        };
    }
}
