using StackExchange.Redis;

namespace Overseer.Tests.Cluster;

/// <summary>Reads workers' committed checkpoints straight from their cursors in Redis, in one pipelined batch: the
/// truth about progress that disturbs nothing (a status call would activate or report).</summary>
internal static class CursorCheckpoints
{
    public static async Task<long[]> ReadAsync(IDatabase db, string serviceId, IReadOnlyList<string> ids)
    {
        var batch = db.CreateBatch();
        var reads = ids.Select(id => batch.HashGetAsync($"overseer:{serviceId}:w:{{{id}}}:cursor", "cp")).ToArray();
        batch.Execute();
        var values = await Task.WhenAll(reads);
        return [.. values.Select(v => v.IsNull ? 0L : (long)v)];
    }
}
