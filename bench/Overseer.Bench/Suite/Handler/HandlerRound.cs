namespace Overseer.Bench.Suite.Handler;

/// <summary>One measurement of the handler scenario, ours or the baseline: rows committed per second over the window,
/// and the latency of each batch transaction in it.</summary>
/// <param name="Connections">Sessions open on the database in the middle of the window (the bench's own excluded).</param>
internal sealed record HandlerRound(double EventsPerSecond, LatencyStats Latency, int Connections);
