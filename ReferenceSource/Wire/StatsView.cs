namespace Overseer.ReferenceSource.Wire;

/// <summary>The answer of <c>GET /stats</c>: <c>{"httpRequests":n,"inFlightHttp":n,"maxInFlightHttp":n,"openSockets":n}</c>.</summary>
internal sealed record StatsView(long HttpRequests, long InFlightHttp, long MaxInFlightHttp, long OpenSockets);
