using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Overseer.ReferenceSource.Wire;

/// <summary>Source-generated JSON for every wire type: camelCase, no reflection on the hot path.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(EventsPage))]
[JsonSerializable(typeof(StreamMessage))]
[JsonSerializable(typeof(FeedInfo))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(FaultView[]))]
[JsonSerializable(typeof(StatsView))]
internal sealed partial class ReferenceSourceJson : JsonSerializerContext
{
    /// <summary>
    /// The instance every endpoint uses. The relaxed encoder keeps quotes and apostrophes in error messages readable
    /// (<c>'a b'</c>, not <c>\u0027a b\u0027</c>); these bodies are served as application/json, never embedded in HTML.
    /// </summary>
    public static ReferenceSourceJson Wire { get; } =
        new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
