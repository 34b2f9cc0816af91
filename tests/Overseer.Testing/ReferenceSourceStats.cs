namespace Overseer.Testing;

/// <summary>The reference source's counters, as <c>GET /stats</c> reports them.</summary>
/// <param name="HttpRequests">Plain HTTP requests answered or in flight since start (WebSocket streams and <c>/stats</c> excluded).</param>
/// <param name="InFlightHttp">Plain HTTP requests in flight now.</param>
/// <param name="MaxInFlightHttp">The most in flight at once since start or the last <c>DELETE /stats</c>.</param>
/// <param name="OpenSockets">WebSocket streams open now.</param>
public sealed record ReferenceSourceStats(long HttpRequests, long InFlightHttp, long MaxInFlightHttp, long OpenSockets);
