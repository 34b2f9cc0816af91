using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Overseer.Client;

/// <summary>Where the client finds the cluster and how long it tries to connect. Read once, eagerly, by
/// <see cref="OverseerClientHostingExtensions.AddOverseerClient(Microsoft.Extensions.DependencyInjection.IServiceCollection, IConfiguration)"/>; see <see cref="FromConfiguration"/>.</summary>
public sealed class OverseerClientOptions
{
    /// <summary>The Redis holding the cluster membership, in StackExchange.Redis format: one endpoint
    /// (<c>redis:6379</c>), a Redis Cluster's endpoints (<c>r1:6379,r2:6379,r3:6379</c>) or Sentinel
    /// (<c>s1:26379,s2:26379,serviceName=mymaster</c>), each optionally with <c>,password=...</c>.</summary>
    public const string RedisKey = "ConnectionStrings:redis";

    /// <summary>The Orleans cluster id; scopes membership.</summary>
    public const string ClusterIdKey = "Orleans:ClusterId";

    /// <summary>The Orleans service id; scopes durable data. No <c>{</c> or <c>}</c>: in the key prefix a brace would be a
    /// Redis Cluster hash tag putting every key in one slot.</summary>
    public const string ServiceIdKey = "Orleans:ServiceId";

    /// <summary>How long to keep trying to connect: seconds (<c>15</c>, <c>2.5</c>) or a time span (<c>00:00:15</c>).</summary>
    public const string ConnectTimeoutKey = "Overseer:Client:ConnectTimeout";

    /// <summary>How long one operation keeps retrying through other gateways after a transport failure, or while the
    /// cluster answers that its Redis is unavailable: seconds or a time span, like <see cref="ConnectTimeoutKey"/>.</summary>
    public const string CallTimeoutKey = "Overseer:Client:CallTimeout";

    /// <summary>Who this client says it is, recorded in the audit stream with every delete and rewind (not authenticated).</summary>
    public const string ActorKey = "Overseer:Client:Actor";

    public const string DefaultRedis = "127.0.0.1:6379";
    public const string DefaultClusterId = "overseer";
    public const string DefaultServiceId = "overseer";
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Twice the ~15 s Orleans' default failure detection takes to declare a crashed silo dead (until then a
    /// live gateway still routes to that silo's grains; measured 11-15 s by ClientFailoverTests), and equal to Orleans'
    /// own default <c>ClientMessagingOptions.ResponseTimeout</c>, so a retried call gives up no sooner than a hung one.</summary>
    public static readonly TimeSpan DefaultCallTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Parsed <see cref="RedisKey"/>; default <see cref="DefaultRedis"/>. Holds the password: never log it.</summary>
    public required ConfigurationOptions Redis { get; init; }

    /// <summary><see cref="ClusterIdKey"/>; default <see cref="DefaultClusterId"/>.</summary>
    public required string ClusterId { get; init; }

    /// <summary><see cref="ServiceIdKey"/>; default <see cref="DefaultServiceId"/>.</summary>
    public required string ServiceId { get; init; }

    /// <summary><see cref="ConnectTimeoutKey"/>; default <see cref="DefaultConnectTimeout"/>.</summary>
    public required TimeSpan ConnectTimeout { get; init; }

    /// <summary><see cref="CallTimeoutKey"/>; default <see cref="DefaultCallTimeout"/>.</summary>
    public TimeSpan CallTimeout { get; init; } = DefaultCallTimeout;

    /// <summary><see cref="ActorKey"/>; default <see cref="DefaultActor"/>.</summary>
    public string Actor { get; init; } = DefaultActor;

    /// <summary>The operating-system user and machine: <c>user@host</c>.</summary>
    public static string DefaultActor => $"{Environment.UserName}@{Environment.MachineName}";

    /// <summary>The Redis endpoints as <c>host:port[,host:port]</c>, safe to show (no password).</summary>
    public string RedisEndpoints => string.Join(",", Redis.EndPoints.Select(RedisConfigurationRules.Format));

    /// <summary>Reads and validates the client settings. Empty values count as unset.</summary>
    /// <exception cref="OptionsValidationException">A value is malformed; the message names its key.</exception>
    public static OverseerClientOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var errors = new List<string>();

        var redis = ParseRedis(Value(configuration, RedisKey) ?? DefaultRedis, errors);
        var timeout = ParseTimeout(ConnectTimeoutKey, Value(configuration, ConnectTimeoutKey), DefaultConnectTimeout, errors);
        var callTimeout = ParseTimeout(CallTimeoutKey, Value(configuration, CallTimeoutKey), DefaultCallTimeout, errors);
        var serviceId = Value(configuration, ServiceIdKey) ?? DefaultServiceId;
        if (RedisConfigurationRules.ServiceIdProblem(ServiceIdKey, serviceId) is { } braces)
        {
            errors.Add(braces);
        }

        var actor = Value(configuration, ActorKey) ?? DefaultActor;
        if (AuditActors.Validate(actor) is { } problem)
        {
            errors.Add($"{ActorKey}: {problem}");
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(nameof(OverseerClientOptions), typeof(OverseerClientOptions), errors);
        }

        return new OverseerClientOptions
        {
            Redis = redis!,
            ClusterId = Value(configuration, ClusterIdKey) ?? DefaultClusterId,
            ServiceId = serviceId,
            ConnectTimeout = timeout,
            CallTimeout = callTimeout,
            Actor = actor,
        };
    }

    private static string? Value(IConfiguration configuration, string key) =>
        configuration[key] is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static ConfigurationOptions? ParseRedis(string value, List<string> errors)
    {
        var options = RedisConfigurationRules.ParseConnectionString(value, out var problem);
        if (options is null)
        {
            errors.Add(problem!);
            return null;
        }

        options.SetDefaultPorts();
        return options;
    }

    private static TimeSpan ParseTimeout(string key, string? value, TimeSpan defaultValue, List<string> errors)
    {
        if (value is null)
        {
            return defaultValue;
        }

        // A bare number means seconds: TimeSpan.Parse("15") would mean 15 days.
        TimeSpan? timeout =
            double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds)
                ? TimeSpan.FromSeconds(Math.Min(seconds, TimeSpan.MaxValue.TotalSeconds / 2))
            : TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) ? span
            : null;

        if (timeout is not { } t || t <= TimeSpan.Zero)
        {
            errors.Add($"invalid {key} '{value}': expected a positive number of seconds (e.g. 15) or a time span (e.g. 00:00:15)");
            return defaultValue;
        }

        return t;
    }
}
