using Overseer.Pool;

namespace Overseer.Sources.Sequence;

/// <summary>The <c>sequence</c> source kind. Its fetches count against the silo's fetch cap (<see cref="FetchThrottle"/>).</summary>
internal sealed class SequenceSourceFactory(TimeProvider time, FetchThrottle? throttle = null) : IEventSourceFactory
{
    public const string Kind = "sequence";

    /// <summary>Every integer from 1 on, as the source numbers its events.</summary>
    public SequenceDensity Density => SequenceDensity.Dense;

    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) =>
        SequenceSourceSettings.Read(options).Problems;

    public IEventSource Create(SourceContext context)
    {
        var (settings, problems) = SequenceSourceSettings.Read(context.Options);
        return settings is null
            ? throw new ArgumentException(string.Join("; ", problems), nameof(context))
            : new SequenceSource(context.WorkerId, settings.Value, time, throttle);
    }
}
