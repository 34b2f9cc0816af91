using StackExchange.Redis;

namespace Overseer.Hosting;

/// <summary>Parses <c>ConnectionStrings:redis</c> and renders it without secrets for messages and logs; the rule itself
/// is <see cref="RedisConfigurationRules"/>, shared with the client.</summary>
internal static class RedisEndpoint
{
    public const string Key = RedisConfigurationRules.ConnectionStringKey;

    public static ConfigurationOptions Parse(string? connectionString)
    {
        var options = RedisConfigurationRules.ParseConnectionString(connectionString, out var problem)
            ?? throw new SiloConfigurationException(problem!);
        options.AbortOnConnectFail = false;
        return options;
    }

    /// <summary>Endpoints and flags only; never the password.</summary>
    public static string Describe(ConfigurationOptions options) => RedisConfigurationRules.Describe(options);
}
