using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Overseer.ReferenceSource.Faults;
using Overseer.ReferenceSource.Http;
using Overseer.ReferenceSource.Wire;

namespace Overseer.ReferenceSource.Feeds;

/// <summary><c>GET /feeds/{feed}/events?after=&amp;limit=</c> (pull) and <c>GET /feeds/{feed}</c> (head and rate).</summary>
internal static class FeedEndpoints
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>How long <c>http-slow</c> holds an events request.</summary>
    public static readonly TimeSpan SlowDelay = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapFeeds(this IEndpointRouteBuilder app)
    {
        app.MapGet("/feeds/{feed}/events", GetEventsAsync);
        app.MapGet("/feeds/{feed}", GetInfo);
        return app;
    }

    private static async Task<IResult> GetEventsAsync(
        string feed, HttpRequest request, FeedRegistry feeds, FaultBoard faults, TimeProvider time, CancellationToken cancellationToken)
    {
        if (FeedNames.Check(feed) is { } badName)
        {
            return ErrorResults.BadRequest(badName);
        }

        if (QueryArguments.TryRead(request.Query, "after", 0, 0, Feed.MaxSeq, out var after) is { } badAfter)
        {
            return ErrorResults.BadRequest(badAfter);
        }

        if (QueryArguments.TryRead(request.Query, "limit", DefaultLimit, 1, MaxLimit, out var limit) is { } badLimit)
        {
            return ErrorResults.BadRequest(badLimit);
        }

        if (faults.IsActive(FaultMode.HttpSlow, feed))
        {
            try
            {
                await Task.Delay(SlowDelay, time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Results.Empty; // the caller gave up; nobody reads the answer
            }
        }

        if (faults.IsActive(FaultMode.Http500, feed))
        {
            return ErrorResults.Status(StatusCodes.Status500InternalServerError, $"injected fault http-500 for feed '{feed}'");
        }

        var source = feeds.Get(feed);
        var head = source.Head;
        var count = (int)Math.Clamp(head - after, 0, limit);
        return Results.Json(new EventsPage(source.Read(after, count), head), ReferenceSourceJson.Wire.EventsPage);
    }

    private static IResult GetInfo(string feed, FeedRegistry feeds)
    {
        if (FeedNames.Check(feed) is { } badName)
        {
            return ErrorResults.BadRequest(badName);
        }

        var source = feeds.Get(feed);
        return Results.Json(new FeedInfo(source.Name, source.Head, source.Rate), ReferenceSourceJson.Wire.FeedInfo);
    }
}
