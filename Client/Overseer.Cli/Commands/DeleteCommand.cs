using System.CommandLine;
using Overseer.Client;
using Overseer.Errors;

namespace Overseer.Cli.Commands;

internal static class DeleteCommand
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    public static CliCommand Create()
    {
        var id = CliOptions.WorkerId();
        id.Arity = ArgumentArity.ZeroOrOne;
        var keepEvents = CliOptions.Flag("--keep-events", "keep the worker's event stream for a consumer (a new worker under the id is refused until it is deleted)");
        var prefix = new Option<string>("--prefix")
        {
            Description = "delete every registered worker whose id starts with P, 16 at a time, with progress on stderr",
            HelpName = "P",
        };
        var command = new CliCommand("delete", "forget a worker: stop it (fenced), remove its registry row, pool place, state, cursor and events", async (parse, context, ct) =>
        {
            var client = await context.ConnectAsync(ct);
            var keep = parse.GetValue(keepEvents);
            if (parse.GetValue(prefix) is not { } p)
            {
                await context.Output.DeletedAsync(await client.DeleteAsync(parse.GetValue(id)!, keep, ct), ct);
                return;
            }

            var ids = await client.ListIdsAsync(p, ct);
            if (ids.Count == 0)
            {
                throw new OverseerException(OverseerErrorCode.UnknownWorker, $"no registered worker's id starts with '{p}': nothing to delete");
            }

            var result = await client.DeleteManyAsync(ids, keep, new ProgressLine(context.Progress, ProgressInterval), cancellationToken: ct);
            await context.Progress.WriteLineAsync(ProgressLine.Describe(result));
            await context.Output.BulkDeletedAsync(result, ct);
            if (result.Refused.Length > 0)
            {
                throw OverseerException.Conflict($"{result.Refused.Length} of {result.Total} workers were not deleted: {string.Join("; ", result.Refused.Take(5))}");
            }
        })
        {
            id,
            keepEvents,
            prefix,
        };
        command.Validators.Add(result =>
        {
            var hasId = result.GetResult(id) is { Tokens.Count: > 0 };
            var hasPrefix = result.GetResult(prefix) is not null;
            if (hasId == hasPrefix)
            {
                result.AddError("delete takes either a worker id or --prefix P (not both)");
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
