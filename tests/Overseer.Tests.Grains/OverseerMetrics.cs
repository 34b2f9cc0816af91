using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Overseer.Diagnostics;

namespace Overseer.Tests.Grains;

/// <summary>Collects the Overseer instruments of one in-process cluster's silos with a <see cref="MeterListener"/>:
/// counters and histogram counts accumulate from the moment it is created; gauges are read on demand and summed
/// over the silos. Meters of other clusters in this test process (other test classes run in parallel) are ignored.</summary>
internal sealed class OverseerMetrics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly HashSet<Meter> _meters;
    private readonly ConcurrentDictionary<(string Instrument, string Tags), long> _counters = new();
    private readonly ConcurrentDictionary<string, long> _recordings = new();
    private readonly object _gaugeLock = new();
    private Dictionary<(string Instrument, string Tags), long>? _gauges;

    public OverseerMetrics(InProcessTestCluster cluster)
    {
        _meters = [.. cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<OverseerInstruments>().Meter)];
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (_meters.Contains(instrument.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => OnMeasurement(i, value, tags));
        _listener.SetMeasurementEventCallback<int>((i, value, tags, _) => OnMeasurement(i, value, tags));
        _listener.SetMeasurementEventCallback<double>((i, _, tags, _) => _recordings.AddOrUpdate(i.Name, 1, (_, n) => n + 1));
        _listener.Start();
    }

    /// <summary>A counter's total since this collector was created, over all tag values or those with <paramref name="tag"/>.</summary>
    public long Counter(string instrument, (string Key, string Value)? tag = null) =>
        _counters.Where(c => c.Key.Instrument == instrument && (tag is null || c.Key.Tags.Split(',').Contains($"{tag.Value.Key}={tag.Value.Value}")))
            .Sum(c => c.Value);

    /// <summary>How many values a histogram recorded.</summary>
    public long Recordings(string instrument) => _recordings.GetValueOrDefault(instrument);

    /// <summary>Reads the observable gauges now: <paramref name="instrument"/>'s value per value of <paramref name="tagKey"/>, summed over silos.</summary>
    public IReadOnlyDictionary<string, long> Gauge(string instrument, string tagKey)
    {
        lock (_gaugeLock)
        {
            _gauges = [];
            _listener.RecordObservableInstruments();
            var result = _gauges.Where(g => g.Key.Instrument == instrument)
                .GroupBy(g => g.Key.Tags.Split(',').Single(t => t.StartsWith(tagKey + "=", StringComparison.Ordinal))[(tagKey.Length + 1)..])
                .ToDictionary(g => g.Key, g => g.Sum(x => x.Value));
            _gauges = null;
            return result;
        }
    }

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = (instrument.Name, string.Join(',', tags.ToArray().Select(t => $"{t.Key}={t.Value}").Order(StringComparer.Ordinal)));
        if (instrument.IsObservable)
        {
            if (_gauges is { } gauges)
            {
                gauges[key] = gauges.GetValueOrDefault(key) + value;
            }

            return;
        }

        _counters.AddOrUpdate(key, value, (_, total) => total + value);
    }

    public void Dispose() => _listener.Dispose();
}
