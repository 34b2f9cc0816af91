using System.Text.Json;

namespace Overseer.Sources.Feeds;

/// <summary>JSON settings of the feed protocol (camelCase, as the reference source writes it).</summary>
internal static class FeedJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
