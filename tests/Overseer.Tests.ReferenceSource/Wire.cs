using System.Net.Http.Json;
using System.Text.Json;

namespace Overseer.Tests.ReferenceSource;

/// <summary>The reference source's JSON as a client reads it (deliberately separate from the server's own types).</summary>
internal static class Wire
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public sealed record Event(long Seq, DateTime Ts, string Payload);

    public sealed record Page(Event[] Events, long Head);

    public sealed record Message(string Type, Event[]? Events, long Head);

    public sealed record Info(string Feed, long Head, int Rate);

    public sealed record ErrorBody(string Error);

    public sealed record Fault(string Mode, string? Feed, DateTime Until);

    public static async Task<Page> GetPageAsync(HttpClient http, string feed, long after, int? limit = null)
    {
        var query = limit is null ? $"?after={after}" : $"?after={after}&limit={limit}";
        using var response = await http.GetAsync($"feeds/{feed}/events{query}");
        Assert.True(response.IsSuccessStatusCode, $"GET /feeds/{feed}/events{query} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<Page>(Json))!;
    }

    public static async Task<string> ReadErrorAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<ErrorBody>(Json))?.Error ?? "(no error body)";
}
