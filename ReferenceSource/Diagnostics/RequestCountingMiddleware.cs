using Microsoft.AspNetCore.Http;

namespace Overseer.ReferenceSource.Diagnostics;

/// <summary>
/// Counts plain HTTP requests (total, in flight, maximum in flight). WebSocket streams are counted as open sockets
/// instead, and <c>/stats</c> itself is left out so that reading the counters does not move them.
/// </summary>
internal sealed class RequestCountingMiddleware(RequestDelegate next, SourceStats stats)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.WebSockets.IsWebSocketRequest || context.Request.Path.StartsWithSegments(StatsEndpoints.Path, StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        stats.RequestStarted();
        try
        {
            await next(context);
        }
        finally
        {
            stats.RequestEnded();
        }
    }
}
