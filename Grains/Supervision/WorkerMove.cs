using Orleans.Runtime;

namespace Overseer.Supervision;

/// <summary>One live migration a rebalancing round decided: <paramref name="Id"/> to <paramref name="Target"/>.</summary>
internal sealed record WorkerMove(string Id, SiloAddress Target);
