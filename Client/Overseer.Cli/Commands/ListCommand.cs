using Overseer.Models;

namespace Overseer.Cli.Commands;

internal static class ListCommand
{
    public static CliCommand Create()
    {
        var status = CliOptions.Choice<WorkerStatus>("--status", "only workers with this status");
        var limit = CliOptions.WholeNumber("--limit", "N", "at most N workers (default: all)", min: 0);
        var prefix = new System.CommandLine.Option<string>("--prefix") { Description = "only workers whose id starts with P", HelpName = "P" };
        return new CliCommand("list", "list workers ordered by id, streamed page by page (default: all)", async (parse, context, ct) =>
        {
            var client = await context.ConnectAsync(ct);
            await context.Output.WorkersAsync(client.ListAsync(parse.GetValue(status), parse.GetValue(limit), parse.GetValue(prefix), ct), ct);
        })
        {
            status,
            limit,
            prefix,
        };
    }
}
