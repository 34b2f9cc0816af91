using System.Diagnostics.Metrics;
using Overseer.Diagnostics;

namespace Overseer.Bench.Suite.Handler;

/// <summary>Listens, in the bench process that hosts the silo, to the product's own instruments: committed events
/// (<c>overseer.events-indexed</c>) and the latency of each batch commit (<c>overseer.commit-duration</c>, measured by
/// the worker around the output's commit: connection from the pool, fence, handler, <c>COMMIT</c>, retries included).
/// Recording one value per batch costs a lock and a list append, nothing the workers wait on.</summary>
internal sealed class CommitMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private List<double> _durations = [];
    private long _events;
    private bool _recording;

    public CommitMeter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == OverseerTelemetry.Name
                && instrument.Name is OverseerInstruments.EventsIndexedName or OverseerInstruments.CommitDurationName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            lock (_gate)
            {
                if (_recording)
                {
                    _events += value;
                }
            }
        });
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            lock (_gate)
            {
                if (_recording)
                {
                    _durations.Add(value);
                }
            }
        });
        _listener.Start();
    }

    /// <summary>Forgets what came before and counts from now.</summary>
    public void Begin()
    {
        lock (_gate)
        {
            (_events, _durations, _recording) = (0, [], true);
        }
    }

    /// <summary>The events committed since <see cref="Begin"/> so far (counting goes on).</summary>
    public long Events
    {
        get
        {
            lock (_gate)
            {
                return _events;
            }
        }
    }

    /// <summary>Stops counting; the events committed and each batch commit's latency (ms) since <see cref="Begin"/>.</summary>
    public (long Events, List<double> Durations) End()
    {
        lock (_gate)
        {
            _recording = false;
            return (_events, _durations);
        }
    }

    public void Dispose() => _listener.Dispose();
}
