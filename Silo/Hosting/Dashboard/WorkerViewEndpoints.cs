using Overseer.Errors;

namespace Overseer.Hosting.Dashboard;

/// <summary>Maps the worker view: <c>GET /workers</c> (HTML) and <c>GET /workers/api</c> (the same data as JSON).</summary>
internal static class WorkerViewEndpoints
{
    public static RouteGroupBuilder MapWorkerView(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/workers");
        group.MapGet("", (HttpContext context, WorkerViewReader reader, CancellationToken ct) =>
            ServeAsync(context, reader, html: true, ct));
        group.MapGet("/api", (HttpContext context, WorkerViewReader reader, CancellationToken ct) =>
            ServeAsync(context, reader, html: false, ct));
        return group;
    }

    private static async Task<IResult> ServeAsync(HttpContext context, WorkerViewReader reader, bool html, CancellationToken ct)
    {
        if (WorkerViewQuery.Parse(context.Request.Query, out var problem) is not { } query)
        {
            return Results.Text(problem + Environment.NewLine, "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
        }

        WorkerView view;
        try
        {
            view = await reader.ReadAsync(query, ct);
        }
        catch (OverseerException ex) when (ex.Code is not (OverseerErrorCode.Unavailable or OverseerErrorCode.Internal))
        {
            // A refusal of the query. An internal error goes on to the server's 500, as any unexpected exception.
            return Results.Text(ex.Message + Environment.NewLine, "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException or OverseerException { Code: OverseerErrorCode.Unavailable })
        {
            return Results.Text($"the registry did not answer: {ex.Message}{Environment.NewLine}", "text/plain; charset=utf-8",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        context.Response.Headers.CacheControl = "no-store";
        return html ? Results.Content(WorkerViewPage.Render(query, view), "text/html; charset=utf-8") : Results.Json(view);
    }
}
