using System.Text.Json;
using Overseer.ReferenceSource.Feeds;
using Overseer.ReferenceSource.Http;

namespace Overseer.ReferenceSource.Faults;

/// <summary>The body of <c>POST /faults</c>: <c>{"mode":"ws-drop"|"ws-stall"|"http-500"|"http-slow","seconds":n,"feed":optional}</c>.</summary>
internal sealed record FaultRequest(FaultMode Mode, int Seconds, string? Feed)
{
    public const int MaxSeconds = 3600;

    public const string Shape = """{"mode":"ws-drop"|"ws-stall"|"http-500"|"http-slow","seconds":1..3600,"feed":"name" (optional)}""";

    /// <summary>Parses and checks a body.</summary>
    /// <returns>Null when valid, otherwise the message for the caller, naming the field and its valid values.</returns>
    public static string? TryParse(JsonElement body, out FaultRequest? request)
    {
        request = null;
        if (body.ValueKind != JsonValueKind.Object)
        {
            return $"body is a JSON {body.ValueKind.ToString().ToLowerInvariant()}: expected an object {Shape}";
        }

        string? modeText = null;
        int? seconds = null;
        string? feed = null;
        var sawMode = false;
        foreach (var property in body.EnumerateObject())
        {
            switch (property.Name)
            {
                case "mode":
                    sawMode = true;
                    modeText = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
                    break;
                case "seconds":
                    if (property.Value.ValueKind != JsonValueKind.Number
                        || !property.Value.TryGetInt32(out var s) || s is < 1 or > MaxSeconds)
                    {
                        return $"seconds is {Quote.Shorten(property.Value.GetRawText())}: expected a whole number 1..{MaxSeconds}";
                    }

                    seconds = s;
                    break;
                case "feed":
                    if (property.Value.ValueKind == JsonValueKind.Null)
                    {
                        break;
                    }

                    if (property.Value.ValueKind != JsonValueKind.String || FeedNames.Check(property.Value.GetString()) is not null)
                    {
                        var shown = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
                        return $"feed is '{Quote.Shorten(shown)}': expected {FeedNames.Rule}, or no feed for every feed";
                    }

                    feed = property.Value.GetString();
                    break;
                default:
                    return $"unknown field '{Quote.Shorten(property.Name)}': expected mode, seconds and optionally feed";
            }
        }

        if (!sawMode)
        {
            return $"mode is missing: expected one of {FaultModes.Valid}";
        }

        if (!FaultModes.TryParse(modeText, out var mode))
        {
            return $"mode is '{Quote.Shorten(modeText ?? "null")}': expected one of {FaultModes.Valid}";
        }

        if (seconds is null)
        {
            return $"seconds is missing: expected a whole number 1..{MaxSeconds}";
        }

        request = new FaultRequest(mode, seconds.Value, feed);
        return null;
    }
}
