using Microsoft.AspNetCore.Http;
using Overseer.ReferenceSource.Wire;

namespace Overseer.ReferenceSource.Http;

/// <summary>Error answers with a <c>{"error":"…"}</c> body.</summary>
internal static class ErrorResults
{
    public static IResult Status(int statusCode, string message) =>
        Results.Json(new ErrorBody(message), ReferenceSourceJson.Wire.ErrorBody, statusCode: statusCode);

    public static IResult BadRequest(string message) => Status(StatusCodes.Status400BadRequest, message);
}
