using Overseer.Bench.CrashRestart;
using Overseer.Testing;
using StackExchange.Redis;

namespace Overseer.Bench.Suite.Reorg;

/// <summary>The Redis stream output: workers without a handler; cursors read straight from Redis (never through a
/// grain), streams through the worker grain.</summary>
internal sealed class RedisReorgOutput(InProcessSilo silo, EvmRpc rpc) : IReorgOutput
{
    public string FigurePrefix => "";

    public string IdPrefix => "r";

    public string? Handler(bool journaled) => null;

    public async Task<(long Checkpoint, string? Token)[]> CursorsAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var db = silo.Mux.GetDatabase();
        var cursors = await Task.WhenAll(ids.Select(id => db.HashGetAsync($"overseer:{silo.ServiceId}:w:{{{id}}}:cursor", ["cp", "tok"])));
        return [.. cursors.Select(c => (c[0].IsNull ? 0 : (long)c[0], c[1].IsNull ? null : (string?)c[1]))];
    }

    public async Task<string?> CheckAsync(string id, bool journaled, long from, long to, CancellationToken cancellationToken)
    {
        var worker = silo.Grains.GetGrain<IWorkerGrain>(id);
        var events = new List<(long Seq, string Payload)>();
        for (var next = from; ; next = events[^1].Seq + 1)
        {
            var page = await worker.GetEventsAsync(next, 5000, cancellationToken);
            events.AddRange(page.Select(e => (e.Seq, e.Payload)));
            if (page.Length < 5000)
            {
                break;
            }
        }

        return await EvmIndexCheck.BlocksAsync(rpc, id, [.. events.Where(e => e.Seq <= to)], from, to);
    }
}
