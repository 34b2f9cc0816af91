namespace Overseer.Cli.Commands;

internal sealed class EventsCommand(string id, long from, int? count, bool json) : ICommand
{
    public static readonly CommandInfo Info = new(
        "events",
        "events <id> [--from SEQ] [--count N] [--json]",
        "print a worker's committed events in order from SEQ (default 1; default count: all)",
        ["<id>"],
        ["--from", "--count"],
        args => new EventsCommand(args.Id(0), args.Long("--from", min: 0) ?? 1, args.Int("--count", min: 0), args.Json));

    public bool Json => json;

    public async Task ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var client = await context.ConnectAsync(cancellationToken);
        await context.Output.EventsAsync(client.GetEventsAsync(id, from, count, cancellationToken), cancellationToken);
    }
}
