using Overseer.Models;

namespace Overseer.Hosting.Dashboard;

/// <summary>Builds the worker view from the manager: one totals call (one call per partition) and one page of the
/// registry via <see cref="IManagerGrain.ListAsync"/> — or, when searching, at most <see cref="SearchBudget"/> rows
/// read page by page. It never enumerates every worker, so it stays fast with 100,000 of them.</summary>
internal sealed class WorkerViewReader(IGrainFactory grains, CheckpointRate rate)
{
    /// <summary>The most registry rows one searching request reads before it returns what it found and a next link.</summary>
    public const int SearchBudget = 20_000;

    private const int SearchPageSize = 2_000;

    public async Task<WorkerView> ReadAsync(WorkerViewQuery query, CancellationToken cancellationToken)
    {
        var totalsCall = grains.GetGrain<IWorkerViewGrain>(0).GetTotalsAsync(cancellationToken);
        var pageCall = ReadRowsAsync(query, cancellationToken);
        await Task.WhenAll(totalsCall, pageCall);
        var (totals, (rows, scanned, next)) = (await totalsCall, await pageCall);

        var byStatus = Enum.GetValues<WorkerStatus>().ToDictionary(s => s.ToString().ToLowerInvariant(), s => totals.ByStatus.GetValueOrDefault(s));
        return new WorkerView(
            totals.Workers, byStatus, rate.Add(totals.Checkpoints), totals.Checkpoints, totals.Lag, totals.LagKnown, totals.Failovers,
            rows, scanned, next);
    }

    private async Task<(List<WorkerRow> Rows, int Scanned, string? Next)> ReadRowsAsync(WorkerViewQuery query, CancellationToken cancellationToken)
    {
        var manager = grains.GetGrain<IManagerGrain>(0);
        if (query.Search is null)
        {
            var page = await manager.ListAsync(new WorkerQuery(query.Status, query.After, query.Limit), cancellationToken);
            return ([.. page.Items.Select(Row)], page.Items.Length, page.NextAfterId);
        }

        var rows = new List<WorkerRow>();
        var scanned = 0;
        var after = query.After;
        while (scanned < SearchBudget)
        {
            var page = await manager.ListAsync(new WorkerQuery(query.Status, after, SearchPageSize), cancellationToken);
            foreach (var info in page.Items)
            {
                scanned++;
                after = info.Id;
                if (info.Id.Contains(query.Search, StringComparison.OrdinalIgnoreCase))
                {
                    rows.Add(Row(info));
                    if (rows.Count == query.Limit)
                    {
                        // Stop right after this row; the next page resumes from it. Whether more match is unknown.
                        var last = info.Id == page.Items[^1].Id ? page.NextAfterId : info.Id;
                        return (rows, scanned, last);
                    }
                }
            }

            if (page.NextAfterId is null)
            {
                return (rows, scanned, null);
            }
        }

        return (rows, scanned, after);
    }

    private static WorkerRow Row(WorkerInfo info) => new(
        info.Id,
        info.Status.ToString().ToLowerInvariant(),
        info.Checkpoint,
        info.Head is { } head ? Math.Max(0, head - info.Checkpoint) : null,
        info.Handler,
        info.Restarts,
        info.LastError,
        info.Silo,
        info.Halt?.Seq,
        info.DeadLetters);
}
