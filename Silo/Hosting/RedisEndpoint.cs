using StackExchange.Redis;

namespace Overseer.Hosting;

/// <summary>Parses <c>ConnectionStrings:redis</c> and renders it without secrets for messages and logs.</summary>
internal static class RedisEndpoint
{
    public const string Key = "ConnectionStrings:redis";

    public static ConfigurationOptions Parse(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new SiloConfigurationException($"{Key} is empty: expected a StackExchange.Redis connection string such as 127.0.0.1:6379 or redis:6379,password=...,ssl=true");
        }

        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException ex)
        {
            // The message of the parser may quote the value; it is the operator's own input, minus any password.
            throw new SiloConfigurationException($"{Key} is not a valid StackExchange.Redis connection string ({Redact(ex.Message)}): expected e.g. 127.0.0.1:6379,password=...");
        }

        if (options.EndPoints.Count == 0)
        {
            throw new SiloConfigurationException($"{Key} names no endpoint: expected host:port, e.g. 127.0.0.1:6379");
        }

        options.AbortOnConnectFail = false;
        return options;
    }

    /// <summary>Endpoints and flags only; never the password.</summary>
    public static string Describe(ConfigurationOptions options) =>
        string.Join(",", options.EndPoints.Select(e => e.ToString()))
        + (options.Ssl ? " (tls)" : "")
        + (string.IsNullOrEmpty(options.Password) ? "" : " (password set)");

    private static string Redact(string message)
    {
        var i = message.IndexOf("password", StringComparison.OrdinalIgnoreCase);
        return i < 0 ? message : message[..i] + "password=***";
    }
}
