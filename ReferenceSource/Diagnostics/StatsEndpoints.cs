using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Overseer.ReferenceSource.Wire;

namespace Overseer.ReferenceSource.Diagnostics;

/// <summary><c>GET /stats</c> reads the counters; <c>DELETE /stats</c> restarts the in-flight maximum.</summary>
internal static class StatsEndpoints
{
    public const string Path = "/stats";

    public static IEndpointRouteBuilder MapStats(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (SourceStats stats) => Results.Json(stats.Snapshot(), ReferenceSourceJson.Wire.StatsView));
        app.MapDelete(Path, (SourceStats stats) =>
        {
            stats.ResetMax();
            return Results.NoContent();
        });
        return app;
    }
}
