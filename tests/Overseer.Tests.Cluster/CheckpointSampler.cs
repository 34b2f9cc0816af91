using System.Diagnostics;
using StackExchange.Redis;

namespace Overseer.Tests.Cluster;

/// <summary>Samples every worker's committed checkpoint straight from Redis (one pipelined round trip per sample,
/// no grain call) in the background, and remembers when each one last advanced and its longest pause.</summary>
internal sealed class CheckpointSampler : IAsyncDisposable
{
    private readonly IDatabase _db;
    private readonly string _serviceId;
    private readonly string[] _ids;
    private readonly long[] _checkpoints;
    private readonly TimeSpan[] _lastAdvance;
    private readonly TimeSpan[] _longestPause;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly object _gate = new();
    private bool _measuring;

    public CheckpointSampler(ConnectionMultiplexer mux, string serviceId, IEnumerable<string> ids)
    {
        _db = mux.GetDatabase();
        _serviceId = serviceId;
        _ids = [.. ids];
        _checkpoints = new long[_ids.Length];
        _lastAdvance = new TimeSpan[_ids.Length];
        _longestPause = new TimeSpan[_ids.Length];
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Time since the sampler started; the unit of every timestamp it reports.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Starts counting pauses from now (pauses before, e.g. while workers start, are not counted).</summary>
    public void StartMeasuringPauses()
    {
        lock (_gate)
        {
            _measuring = true;
            Array.Fill(_lastAdvance, Now);
            Array.Clear(_longestPause);
        }
    }

    public long Checkpoint(string id)
    {
        lock (_gate)
        {
            return _checkpoints[Array.IndexOf(_ids, id)];
        }
    }

    /// <summary>When <paramref name="id"/>'s checkpoint last advanced.</summary>
    public TimeSpan LastAdvance(string id)
    {
        lock (_gate)
        {
            return _lastAdvance[Array.IndexOf(_ids, id)];
        }
    }

    /// <summary>The longest time any worker's checkpoint stood still since <see cref="StartMeasuringPauses"/>
    /// (a pause still going on counts up to now), and whose.</summary>
    public (string Id, TimeSpan Pause) LongestPause()
    {
        lock (_gate)
        {
            var now = Now;
            TimeSpan PauseOf(int i) => now - _lastAdvance[i] > _longestPause[i] ? now - _lastAdvance[i] : _longestPause[i];
            var worst = Enumerable.Range(0, _ids.Length).MaxBy(PauseOf);
            return (_ids[worst], PauseOf(worst));
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
                        if (cp > _checkpoints[i])
                        {
                            if (_measuring && now - _lastAdvance[i] > _longestPause[i])
                            {
                                _longestPause[i] = now - _lastAdvance[i];
                            }

                            _checkpoints[i] = cp;
                            _lastAdvance[i] = now;
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Redis is down (a test may stop it on purpose): sample again after the pause.
            }

            await Task.Delay(50).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
