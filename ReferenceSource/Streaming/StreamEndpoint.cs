using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Overseer.ReferenceSource.Diagnostics;
using Overseer.ReferenceSource.Faults;
using Overseer.ReferenceSource.Feeds;
using Overseer.ReferenceSource.Hosting;
using Overseer.ReferenceSource.Http;

namespace Overseer.ReferenceSource.Streaming;

/// <summary><c>GET /feeds/{feed}/stream?after=</c>: a WebSocket that pushes the feed's events as they are produced.</summary>
internal static class StreamEndpoint
{
    public static IEndpointRouteBuilder MapFeedStream(this IEndpointRouteBuilder app)
    {
        // Map, not MapGet: HTTP/2 WebSockets arrive as CONNECT.
        app.Map("/feeds/{feed}/stream", HandleAsync);
        return app;
    }

    private static async Task<IResult> HandleAsync(
        string feed,
        HttpContext context,
        FeedRegistry feeds,
        FaultBoard faults,
        SourceStats stats,
        IOptions<ReferenceSourceOptions> options,
        TimeProvider time,
        IHostApplicationLifetime lifetime)
    {
        if (FeedNames.Check(feed) is { } badName)
        {
            return ErrorResults.BadRequest(badName);
        }

        if (QueryArguments.TryRead(context.Request.Query, "after", 0, 0, Feed.MaxSeq, out var after) is { } badAfter)
        {
            return ErrorResults.BadRequest(badAfter);
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            return ErrorResults.BadRequest(
                $"/feeds/{feed}/stream takes WebSocket requests only (GET with Upgrade: websocket); over plain HTTP poll /feeds/{feed}/events");
        }

        if (faults.IsActive(FaultMode.WsDrop, feed))
        {
            return ErrorResults.Status(
                StatusCodes.Status503ServiceUnavailable, $"injected fault ws-drop for feed '{feed}': new WebSockets are refused until it ends");
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        stats.SocketOpened();
        try
        {
            using var stream = new FeedStream(socket, feeds.Get(feed), faults, options.Value.Heartbeat, time);
            await stream.RunAsync(after, context.RequestAborted, lifetime.ApplicationStopping);
        }
        finally
        {
            stats.SocketClosed();
        }

        return Results.Empty;
    }
}
