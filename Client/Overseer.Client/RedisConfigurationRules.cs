using System.Net;
using StackExchange.Redis;

namespace Overseer;

/// <summary>What the silo and the client accept as <c>ConnectionStrings:redis</c> and <c>Orleans:ServiceId</c>.</summary>
/// <remarks>Written once and compiled into both Overseer.Client and Overseer.Hosting (the latter links this file): the
/// rule needs StackExchange.Redis, Grains.Interfaces takes no Redis dependency, and the client may reference nothing of
/// ours but Grains.Interfaces. Internal in both assemblies, so no second package and no public promise.</remarks>
internal static class RedisConfigurationRules
{
    public const string ConnectionStringKey = "ConnectionStrings:redis";

    public const string Expected =
        "expected one endpoint (redis:6379), a cluster's endpoints (r1:6379,r2:6379,r3:6379) or Sentinel "
        + "(s1:26379,s2:26379,s3:26379,serviceName=mymaster), each optionally followed by ,password=... or ,ssl=true";

    /// <summary>Parses the connection string with StackExchange.Redis and checks it has one of the three forms: one
    /// endpoint, several distinct endpoints (a cluster), or Sentinel endpoints with a <c>serviceName</c>.</summary>
    /// <returns>The parsed options, or null with <paramref name="problem"/> naming the value (password hidden) and
    /// what would be valid.</returns>
    public static ConfigurationOptions? ParseConnectionString(string? value, out string? problem)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            problem = $"{ConnectionStringKey} is empty: {Expected}";
            return null;
        }

        var shown = $"{ConnectionStringKey} is '{Redact(value)}'";
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(value);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or NotSupportedException)
        {
            // The parser's complaint names a keyword or a port, never the password's value.
            problem = $"{shown}: {Complaint(e)}; {Expected}";
            return null;
        }

        var problems = new List<string>();
        var tokens = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

        // The parser silently drops what it cannot read as an endpoint (h:abc) and folds exact repeats, so each
        // endpoint is parsed on its own, by the same parser, to catch both.
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var token in tokens.Where(t => !t.Contains('=')))
        {
            if (EndpointOf(token) is not { } endpoint)
            {
                problems.Add($"'{token}' is not an endpoint (host:port)");
            }
            else if (!seen.Add(endpoint))
            {
                problems.Add($"endpoint {endpoint} is listed twice");
            }
        }

        var sentinel = !string.IsNullOrEmpty(options.ServiceName);
        if (!sentinel && tokens.Any(t => t.Equals("serviceName=", StringComparison.OrdinalIgnoreCase)))
        {
            problems.Add("serviceName is empty (Sentinel needs the monitored primary's name)");
        }

        if (problems.Count == 0 && options.EndPoints.Count == 0)
        {
            problems.Add(sentinel ? $"serviceName={options.ServiceName} names no Sentinel endpoint" : "it names no endpoint");
        }

        if (problems.Count > 0)
        {
            problem = $"{shown}: {string.Join("; ", problems)}; {Expected}";
            return null;
        }

        problem = null;
        return options;
    }

    /// <summary>Refuses a brace: <c>{…}</c> in the key prefix would be a Redis Cluster hash tag, hashing every key of the
    /// service to one slot, so one primary would hold everything.</summary>
    public static string? ServiceIdProblem(string key, string serviceId) =>
        serviceId.IndexOfAny(['{', '}']) < 0
            ? null
            : $"{key} is '{serviceId}': it must not contain '{{' or '}}', because a brace in the key prefix makes it a "
              + "Redis Cluster hash tag that puts every key of the service in one slot, on one primary; expected e.g. overseer";

    /// <summary>Endpoints, Sentinel service and flags; never the password.</summary>
    public static string Describe(ConfigurationOptions options) =>
        string.Join(",", options.EndPoints.Select(Format))
        + (string.IsNullOrEmpty(options.ServiceName) ? "" : $" (sentinel, serviceName={options.ServiceName})")
        + (options.Ssl ? " (tls)" : "")
        + (string.IsNullOrEmpty(options.Password) ? "" : " (password set)");

    /// <summary>The connection string with the value of <c>password=</c> hidden.</summary>
    public static string Redact(string value) =>
        string.Join(",", value.Split(',').Select(t =>
            t.TrimStart().StartsWith("password=", StringComparison.OrdinalIgnoreCase) ? "password=***" : t));

    public static string Format(EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endPoint.ToString() ?? "?",
    };

    private static string? EndpointOf(string token)
    {
        try
        {
            var one = ConfigurationOptions.Parse(token);
            if (one.EndPoints.Count != 1)
            {
                return null;
            }

            one.SetDefaultPorts();
            var endpoint = one.EndPoints[0];
            var host = endpoint switch
            {
                DnsEndPoint dns => dns.Host,
                IPEndPoint ip => ip.Address.ToString(),
                _ => null,
            };
            return host is not null && Uri.CheckHostName(host) != UriHostNameType.Unknown ? Format(endpoint) : null;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The parser's sentence alone: without the "(Parameter 'x')" and "Actual value was" lines .NET appends.</summary>
    private static string Complaint(Exception e)
    {
        var message = e.Message;
        var end = message.IndexOfAny(['\r', '\n']);
        message = end < 0 ? message : message[..end];
        if (e is ArgumentException { ParamName: { } name })
        {
            message = message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal);
        }

        return message.TrimEnd('.', ' ');
    }
}
