using System.Diagnostics;

namespace Overseer.Diagnostics;

/// <summary>The product's telemetry names: one <see cref="System.Diagnostics.Metrics.Meter"/> (see
/// <see cref="OverseerInstruments"/>) and one <see cref="System.Diagnostics.ActivitySource"/>, both named
/// <see cref="Name"/>, plus the span, event and tag names used with them.</summary>
/// <remarks>The source is static (there is no factory for activity sources); <see cref="ActivitySource.StartActivity(string, ActivityKind)"/>
/// returns null when no listener samples it, so the spans cost a branch when nobody listens.</remarks>
internal static class OverseerTelemetry
{
    public const string Name = "Overseer";

    /// <summary>One fetch-and-commit round of a worker's run loop; parent of <see cref="FetchSpan"/> and <see cref="CommitSpan"/>.</summary>
    public const string BatchSpan = "overseer.batch";

    public const string FetchSpan = "overseer.fetch";

    public const string CommitSpan = "overseer.commit";

    /// <summary>Event on the current span when a run ends and the supervisor restarts the worker.</summary>
    public const string RestartEvent = "overseer.restart";

    /// <summary>Event on the current span when a worker ends Failed.</summary>
    public const string FailedEvent = "overseer.failed";

    /// <summary>Event on the current (fetch) span when a source fails over from push to poll.</summary>
    public const string FailoverEvent = "overseer.failover";

    /// <summary>Event on the current (fetch) span when a source switches back from poll to push.</summary>
    public const string SwitchBackEvent = "overseer.switch-back";

    public static readonly ActivitySource ActivitySource = new(Name);
}
