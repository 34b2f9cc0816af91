using Microsoft.Extensions.Logging;
using Overseer.Diagnostics;
using Overseer.Sources.Polling;

namespace Overseer.Sources.Failover;

/// <summary>Builds push/poll failover sources: the one way a source kind (built-in or a team's own) gets failover
/// without writing it. Inject it into your <see cref="IEventSourceFactory"/> (a singleton of every Overseer silo).</summary>
/// <example><code>
/// public sealed class MyFeedFactory(FailoverSources failover) : IEventSourceFactory
/// {
///     public IEventSource Create(SourceContext context) => failover.Create(context, new MyPush(…), new MyPull(…),
///         new FailoverOptions { PushName = "ws://…", PullName = "http://…", Stall = TimeSpan.FromSeconds(5) });
///     // Validate, Density …
/// }
/// </code></example>
public sealed class FailoverSources
{
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly OverseerInstruments _instruments;

    internal FailoverSources(TimeProvider time, ILoggerFactory loggers, OverseerInstruments instruments)
    {
        _time = time;
        _loggers = loggers;
        _instruments = instruments;
    }

    /// <summary>A source for one run of <paramref name="context"/>'s worker that reads through <paramref name="push"/>
    /// while it is healthy, polls through <paramref name="pull"/> from the worker's checkpoint as soon as push fails or
    /// stalls, probes push in the background (backing off while probes fail) and switches back once it answers. Both
    /// switches resume from the checkpoint, so none skips or repeats an event.</summary>
    /// <remarks>The source also implements <see cref="ISourceHandlerStatus"/> (<c>push</c>/<c>poll</c>, failovers, the
    /// larger of the two heads), counts failovers and switch-backs in Overseer's metrics, marks them on the worker's
    /// trace and logs them. Disposing it disposes <paramref name="push"/>.</remarks>
    /// <exception cref="ArgumentException"><paramref name="options"/> has a value out of range (the message names it).</exception>
    public IEventSource Create(SourceContext context, IPushHandler push, IPullHandler pull, FailoverOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(push);
        ArgumentNullException.ThrowIfNull(pull);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"invalid failover options for worker '{context.WorkerId}': {string.Join("; ", problems)}", nameof(options));
        }

        return new FailoverSource(
            context.WorkerId,
            options.PushName,
            push,
            new PollLoop(pull, options.PullName, options.PollInterval, options.MaxOutage, _time),
            new FailoverPolicy(options.ProbeInterval, options.MaxProbeInterval),
            options.Stall,
            _time,
            _loggers.CreateLogger<FailoverSource>(),
            _instruments);
    }
}
