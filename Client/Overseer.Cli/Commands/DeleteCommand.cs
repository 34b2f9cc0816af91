using System.CommandLine;
using Overseer.Client;
using Overseer.Errors;

namespace Overseer.Cli.Commands;

internal static class DeleteCommand
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    public static CliCommand Create()
    {
        var ids = CliOptions.WorkerIdList();
        var keepEvents = CliOptions.Flag("--keep-events", "keep the worker's event stream for a consumer (a new worker under the id is refused until it is deleted)");
        var prefix = new Option<string>("--prefix")
        {
            Description = "delete every registered worker whose id starts with P, 16 at a time, with progress on stderr",
            HelpName = "P",
        };
        var command = new CliCommand("delete", "forget workers: stop each (fenced), remove its registry row, pool place, state, cursor and events; several ids or --prefix P run in bulk with progress", async (parse, context, ct) =>
        {
            var client = await context.ConnectAsync(ct);
            var keep = parse.GetValue(keepEvents);
            var given = parse.GetValue(ids) ?? [];
            if (given is [var one])
            {
                await context.Output.DeletedAsync(await client.DeleteAsync(one, keep, ct), ct);
                return;
            }

            IReadOnlyList<string> targets = given.Length > 0 ? [.. given.Distinct(StringComparer.Ordinal)] : await client.ListIdsAsync(parse.GetValue(prefix)!, ct);
            if (targets.Count == 0)
            {
                throw new OverseerException(OverseerErrorCode.UnknownWorker, $"no registered worker's id starts with '{parse.GetValue(prefix)}': nothing to delete");
            }

            var result = await client.DeleteManyAsync(targets, keep, new ProgressLine(context.Progress, ProgressInterval), cancellationToken: ct);
            await context.Progress.WriteLineAsync(ProgressLine.Describe(result));
            await context.Output.BulkDeletedAsync(result, ct);
            if (result.Refused.Length > 0)
            {
                throw OverseerException.Conflict($"{result.Refused.Length} of {result.Total} workers were not deleted: {string.Join("; ", result.Refused.Take(5))}");
            }
        })
        {
            ids,
            keepEvents,
            prefix,
        };
        command.Validators.Add(result =>
        {
            var hasId = result.GetResult(ids) is { Tokens.Count: > 0 };
            var hasPrefix = result.GetResult(prefix) is not null;
            if (hasId == hasPrefix)
            {
                result.AddError("delete takes either worker ids or --prefix P (not both)");
            }
            else if (hasPrefix && string.IsNullOrEmpty(result.GetValue(prefix)))
            {
                result.AddError("invalid --prefix '': expected at least one character (a bulk delete of every worker is not offered)");
            }
        });
        return command;
    }

    /// <summary>"deleted N of M (K refused)" on stderr, at most once per interval, from whichever delete finishes.</summary>
    private sealed class ProgressLine(TextWriter writer, TimeSpan interval) : IProgress<BulkDeleteResult>
    {
        private readonly object _gate = new();
        private long _lastAt = Environment.TickCount64 - (long)interval.TotalMilliseconds;

        public static string Describe(BulkDeleteResult r) => $"deleted {r.Deleted} of {r.Total} ({r.Refused.Length} refused)";

        public void Report(BulkDeleteResult value)
        {
            lock (_gate)
            {
                var now = Environment.TickCount64;
                if (now - _lastAt < interval.TotalMilliseconds || value.Done == value.Total)
                {
                    return;
                }

                _lastAt = now;
                writer.WriteLine(Describe(value));
            }
        }
    }
}
