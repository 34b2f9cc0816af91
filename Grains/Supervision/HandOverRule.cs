using Overseer.Hosting;

namespace Overseer.Supervision;

/// <summary>The one rule for how long a worker whose activation went away gracefully (its silo shutting down, a move)
/// may take to run again elsewhere: its pool slot is held over that long, because nothing renews it in between.</summary>
/// <remarks>Nothing brings such a worker back but its partition. The partition may be moving with the same silo: its
/// next activation is made by the next ping at the latest (<see cref="SupervisionOptions.PartitionPingInterval"/>) and
/// pokes the worker as it loads. A poke that races the shutdown fails (the leaving silo no longer places activations),
/// and the worker is poked again once it has been silent for <see cref="SupervisionOptions.StallTimeout"/>, found by the
/// next stall scan (<see cref="SupervisionOptions.StallScanInterval"/>); that poke answers within
/// <see cref="SupervisionOptions.PokeTimeout"/>, and the new activation has taken its slot again by then.</remarks>
internal static class HandOverRule
{
    /// <summary>How long the partition takes at most to bring a handed-over worker back: with the defaults 5 + 8 + 1 + 5 = 19 s.</summary>
    public static TimeSpan BringBackWithin(SupervisionOptions options) =>
        options.PartitionPingInterval + options.StallTimeout + options.StallScanInterval + options.PokeTimeout;
}
