using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Overseer.Sources.Feeds;

namespace Overseer.Sources.Evm;

/// <summary>JSON-RPC 2.0 over HTTP, with batches: a few <c>eth_*</c> calls need nothing more.</summary>
/// <remarks>Why no Nethereum: the source needs four methods (<c>eth_blockNumber</c>, <c>eth_getBlockByNumber</c>,
/// <c>eth_getLogs</c>, <c>eth_subscribe</c>) and raw hex fields it copies into payloads; Nethereum 6.1.0 brings a large
/// dependency tree, decodes into BigInteger-typed DTOs we would turn back into strings, and has no WebSocket streaming
/// package for net10.0, so <c>eth_subscribe</c> would be hand-written anyway. Plain <see cref="HttpClient"/> from
/// <see cref="SourceHttp"/> keeps the shared resilience pipeline (retries, 429/5xx, circuit breaker) and fetch
/// permits. What still fails — HTTP status, transport, a JSON-RPC error — is a <see cref="FeedUnavailableException"/>:
/// an outage the caller backs off from, never a crash by itself.</remarks>
internal sealed class EvmRpcClient(HttpClient http, Uri url)
{
    private long _id;

    public Uri Url => url;

    public async Task<JsonElement> CallAsync(string method, object?[] parameters, CancellationToken cancellationToken) =>
        (await BatchAsync([(method, parameters)], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Sends the calls as one JSON-RPC batch; the results come back in call order. An error answer to the call
    /// at <paramref name="optional"/> (one a node may not support) is an undefined result, not a failure.</summary>
    public async Task<JsonElement[]> BatchAsync(IReadOnlyList<(string Method, object?[] Params)> calls, CancellationToken cancellationToken, int optional = -1)
    {
        var first = Interlocked.Add(ref _id, calls.Count) - calls.Count + 1;
        var body = JsonSerializer.SerializeToUtf8Bytes(calls.Select((c, i) => new { jsonrpc = "2.0", id = first + i, method = c.Method, @params = c.Params }).ToArray());
        var what = calls.Count == 1 ? calls[0].Method : $"{calls[0].Method} ×{calls.Count}";
        JsonDocument document;
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.PostAsync(url, content, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new FeedUnavailableException($"{what} on {url} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or JsonException or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException
                                   || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new FeedUnavailableException($"{what} on {url} failed: {ex.Message}", ex);
        }

        using (document)
        {
            return Results(document.RootElement, first, calls, what, optional);
        }
    }

    private JsonElement[] Results(JsonElement root, long first, IReadOnlyList<(string Method, object?[] Params)> calls, string what, int optional)
    {
        var results = new JsonElement[calls.Count];
        var seen = new bool[calls.Count];
        var answers = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray().ToArray() : [root];
        foreach (var answer in answers)
        {
            if (answer.ValueKind != JsonValueKind.Object || !answer.TryGetProperty("id", out var idElement) || idElement.ValueKind != JsonValueKind.Number)
            {
                throw Failure(answer, what);
            }

            var index = idElement.GetInt64() - first;
            if (index < 0 || index >= calls.Count)
            {
                throw new FeedUnavailableException($"{what} on {url}: answer for unknown request id {idElement.GetInt64()}");
            }

            if (answer.TryGetProperty("error", out _) || !answer.TryGetProperty("result", out var result))
            {
                if (index == optional)
                {
                    seen[index] = true;
                    continue;
                }

                throw Failure(answer, calls[(int)index].Method);
            }

            results[index] = result.Clone();
            seen[index] = true;
        }

        var missing = Array.IndexOf(seen, false);
        return missing < 0 ? results : throw new FeedUnavailableException($"{what} on {url}: no answer to {calls[missing].Method}");
    }

    private FeedUnavailableException Failure(JsonElement answer, string method)
    {
        // JSON-RPC errors (rate limits such as -32005, "header not found" while a node catches up) are outages.
        var text = answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("error", out var error)
            ? (error.TryGetProperty("code", out var code) ? $"error {code.GetRawText()}: " : "error: ") + (error.TryGetProperty("message", out var m) ? m.GetString() : error.GetRawText())
            : Truncate(answer.GetRawText());
        return new FeedUnavailableException($"{method} on {url} answered {text}");
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
