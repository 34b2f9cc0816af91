using System.Globalization;

namespace Overseer.Sources.Feeds;

/// <summary>The base URL of one feed (<c>http://host:port/feeds/{feed}</c>) and the endpoints derived from it.</summary>
internal sealed class FeedUrl
{
    private readonly string _base;

    private FeedUrl(Uri uri) => _base = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');

    public Uri Events(long after, int limit) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{_base}/events?after={after}&limit={limit}"));

    public Uri Stream(long after)
    {
        var ws = _base.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? "wss://" + _base[8..]
            : _base.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? "ws://" + _base[7..]
            : _base;
        return new(string.Create(CultureInfo.InvariantCulture, $"{ws}/stream?after={after}"));
    }

    public override string ToString() => _base;

    /// <summary>Accepts http(s) and ws(s) URLs; returns null with a problem naming the value otherwise.</summary>
    public static FeedUrl? TryParse(string kind, string? raw, List<string> problems)
    {
        if (raw is null)
        {
            problems.Add($"option url is required for source {kind}: the base URL of a feed, e.g. http://127.0.0.1:5080/feeds/blocks");
            return null;
        }

        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "ws" or "wss") || string.IsNullOrEmpty(uri.Host))
        {
            problems.Add($"invalid option url='{raw}' for source {kind}: expected an absolute http(s) or ws(s) URL of a feed, e.g. http://127.0.0.1:5080/feeds/blocks");
            return null;
        }

        var normalized = uri.Scheme switch
        {
            "ws" => new UriBuilder(uri) { Scheme = "http", Port = uri.Port }.Uri,
            "wss" => new UriBuilder(uri) { Scheme = "https", Port = uri.Port }.Uri,
            _ => uri,
        };
        var path = normalized.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/stream", StringComparison.Ordinal) || path.EndsWith("/events", StringComparison.Ordinal))
        {
            normalized = new UriBuilder(normalized) { Path = path[..path.LastIndexOf('/')], Query = "" }.Uri;
        }

        return new FeedUrl(normalized);
    }
}
