using System.Diagnostics;
using StackExchange.Redis;

namespace Overseer.Tests.Cluster;

/// <summary>Samples every worker's committed checkpoint straight from Redis (the truth, read without a grain call, so
/// it does not disturb the workers) every 50 ms in the background and keeps each change with the time it was first
/// seen, so a test can ask what the checkpoint was at a given moment.</summary>
internal sealed class CheckpointHistory : IAsyncDisposable
{
    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(50);

    private readonly IDatabase _db;
    private readonly string _serviceId;
    private readonly string[] _ids;
    private readonly Dictionary<string, List<(TimeSpan At, long Checkpoint)>> _changes;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly Task _loop;

    public CheckpointHistory(ConnectionMultiplexer mux, string serviceId, IEnumerable<string> ids)
    {
        _db = mux.GetDatabase();
        _serviceId = serviceId;
        _ids = [.. ids];
        _changes = _ids.ToDictionary(id => id, _ => new List<(TimeSpan, long)> { (TimeSpan.Zero, 0) });
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Time since the history started; the unit of every timestamp it takes and returns.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>The checkpoint as last sampled at or before <paramref name="at"/>.</summary>
    public long At(string id, TimeSpan at)
    {
        lock (_gate)
        {
            return _changes[id].LastOrDefault(c => c.At <= at).Checkpoint;
        }
    }

    /// <summary>The latest sampled checkpoint.</summary>
    public long Latest(string id)
    {
        lock (_gate)
        {
            return _changes[id][^1].Checkpoint;
        }
    }

    /// <summary>When the checkpoint was first seen above <paramref name="checkpoint"/> after <paramref name="after"/>, or null.</summary>
    public TimeSpan? FirstAbove(string id, long checkpoint, TimeSpan after)
    {
        lock (_gate)
        {
            foreach (var (at, cp) in _changes[id])
            {
                if (at > after && cp > checkpoint)
                {
                    return at;
                }
            }

            return null;
        }
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var values = await CursorCheckpoints.ReadAsync(_db, _serviceId, _ids);
                var now = Now;
                lock (_gate)
                {
                    for (var i = 0; i < values.Length; i++)
                    {
                        var cp = values[i];
                        var changes = _changes[_ids[i]];
                        if (cp != changes[^1].Checkpoint)
                        {
                            changes.Add((now, cp));
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Not expected here (Redis stays up), but a lost sample only makes the history coarser.
            }

            await Task.Delay(SampleEvery).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
