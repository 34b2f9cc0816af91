using System.Globalization;
using Overseer.Models;

namespace Overseer.Hosting.Dashboard;

/// <summary>The worker view's query string: <c>status</c>, <c>q</c> (id substring), <c>after</c> (page start,
/// exclusive), <c>limit</c> (rows per page) and <c>refresh</c> (seconds between automatic reloads, 0 = off).</summary>
internal sealed record WorkerViewQuery(WorkerStatus? Status, string? Search, string? After, int Limit, int Refresh)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>Parses the query string; returns null and a message naming the parameter when a value is invalid.</summary>
    public static WorkerViewQuery? Parse(IQueryCollection query, out string? problem)
    {
        problem = null;
        WorkerStatus? status = null;
        if (query["status"].ToString() is { Length: > 0 } s)
        {
            if (!Enum.TryParse<WorkerStatus>(s, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || char.IsAsciiDigit(s[0]))
            {
                problem = $"status is '{s}': expected one of {string.Join(", ", Enum.GetNames<WorkerStatus>().Select(n => n.ToLowerInvariant()))}";
                return null;
            }

            status = parsed;
        }

        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } l
            && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            problem = $"limit is '{l}': expected 1..{MaxLimit}";
            return null;
        }

        var refresh = 0;
        if (query["refresh"].ToString() is { Length: > 0 } r
            && (!int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out refresh) || refresh > 3600))
        {
            problem = $"refresh is '{r}': expected 0..3600 seconds";
            return null;
        }

        var search = query["q"].ToString().Trim();
        var after = query["after"].ToString();
        return new WorkerViewQuery(status, search.Length > 0 ? search : null, after.Length > 0 ? after : null, limit, refresh);
    }

    /// <summary>This query's URL with another page start (null = first page), for links.</summary>
    public string Url(string? after, int? refresh = null)
    {
        var parts = new List<string>();
        if (Status is { } status)
        {
            parts.Add("status=" + status.ToString().ToLowerInvariant());
        }

        if (Search is not null)
        {
            parts.Add("q=" + Uri.EscapeDataString(Search));
        }

        if (Limit != DefaultLimit)
        {
            parts.Add("limit=" + Limit.ToString(CultureInfo.InvariantCulture));
        }

        if ((refresh ?? Refresh) is > 0 and var seconds)
        {
            parts.Add("refresh=" + seconds.ToString(CultureInfo.InvariantCulture));
        }

        if (after is not null)
        {
            parts.Add("after=" + Uri.EscapeDataString(after));
        }

        return parts.Count == 0 ? "/workers" : "/workers?" + string.Join('&', parts);
    }
}
