using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Overseer.ReferenceSource.Http;
using Overseer.ReferenceSource.Wire;

namespace Overseer.ReferenceSource.Faults;

/// <summary><c>POST /faults</c> sets one (201, the active list), <c>GET /faults</c> lists, <c>DELETE /faults</c> clears all (204).</summary>
internal static class FaultEndpoints
{
    public static IEndpointRouteBuilder MapFaults(this IEndpointRouteBuilder app)
    {
        app.MapPost("/faults", SetAsync);
        app.MapGet("/faults", (FaultBoard faults) => List(faults.Active, StatusCodes.Status200OK));
        app.MapDelete("/faults", (FaultBoard faults) =>
        {
            faults.Clear();
            return Results.NoContent();
        });
        return app;
    }

    private static async Task<IResult> SetAsync(HttpRequest request, FaultBoard faults, CancellationToken cancellationToken)
    {
        JsonDocument body;
        try
        {
            body = await JsonDocument.ParseAsync(request.Body, default, cancellationToken);
        }
        catch (JsonException ex)
        {
            return ErrorResults.BadRequest(
                $"body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): expected {FaultRequest.Shape}");
        }

        using (body)
        {
            if (FaultRequest.TryParse(body.RootElement, out var fault) is { } problem)
            {
                return ErrorResults.BadRequest(problem);
            }

            var active = faults.Set(fault!.Mode, TimeSpan.FromSeconds(fault.Seconds), fault.Feed);
            return List(active, StatusCodes.Status201Created);
        }
    }

    private static IResult List(IReadOnlyList<ActiveFault> faults, int statusCode) =>
        Results.Json(
            faults.Select(f => new FaultView(FaultModes.Name(f.Mode), f.Feed, f.Until)).ToArray(),
            ReferenceSourceJson.Wire.FaultViewArray,
            statusCode: statusCode);
}
