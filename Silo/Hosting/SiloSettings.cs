using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace Overseer.Hosting;

/// <summary>The silo's configuration contract, read and validated eagerly so a bad value stops start-up with a
/// message naming its key.</summary>
internal sealed record SiloSettings(
    ConfigurationOptions Redis,
    string ClusterId,
    string ServiceId,
    int SiloPort,
    int GatewayPort,
    IPAddress AdvertisedAddress,
    string Urls)
{
    public const string DefaultUrls = "http://127.0.0.1:8080";

    public static SiloSettings Read(IConfiguration config)
    {
        var problems = new List<string>();
        ConfigurationOptions? redis = null;
        try
        {
            redis = RedisEndpoint.Parse(config.GetConnectionString("redis"));
        }
        catch (SiloConfigurationException ex)
        {
            problems.Add(ex.Message);
        }

        var clusterId = Id(config, "Orleans:ClusterId", problems);
        var serviceId = Id(config, "Orleans:ServiceId", problems, RedisConfigurationRules.ServiceIdProblem);
        var siloPort = Port(config, "Orleans:Endpoints:SiloPort", 11111, problems);
        var gatewayPort = Port(config, "Orleans:Endpoints:GatewayPort", 30000, problems);
        if (siloPort == gatewayPort)
        {
            problems.Add($"Orleans:Endpoints:SiloPort and Orleans:Endpoints:GatewayPort are both {siloPort}: expected two different ports");
        }

        var address = Address(config["Orleans:Endpoints:AdvertisedIPAddress"], problems);
        var urls = config["Urls"] is { Length: > 0 } u ? u : DefaultUrls;
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                problems.Add($"Urls contains '{url}': expected absolute http(s) URLs separated by ';', e.g. http://127.0.0.1:8080");
            }
        }

        if (problems.Count > 0)
        {
            throw new SiloConfigurationException(string.Join(Environment.NewLine, problems));
        }

        return new SiloSettings(redis!, clusterId, serviceId, siloPort, gatewayPort, address, urls);
    }

    private static string Id(IConfiguration config, string key, List<string> problems, Func<string, string, string?>? rule = null)
    {
        var value = config[key] is { Length: > 0 } v ? v : "overseer";
        if (rule?.Invoke(key, value) is { } problem)
        {
            problems.Add(problem);
        }
        else if (value.Length > 64 || value.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            problems.Add($"{key} is '{value}': expected 1-64 characters of A-Z a-z 0-9 - _ .");
        }

        return value;
    }

    private static int Port(IConfiguration config, string key, int fallback, List<string> problems)
    {
        var raw = config[key];
        if (string.IsNullOrEmpty(raw))
        {
            return fallback;
        }

        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535)
        {
            return port;
        }

        problems.Add($"{key} is '{raw}': expected a TCP port number 1-65535");
        return fallback;
    }

    /// <summary>Loopback unless configured; <c>auto</c> picks this host's first non-loopback IPv4 (containers).</summary>
    private static IPAddress Address(string? raw, List<string> problems)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return IPAddress.Loopback;
        }

        if (raw.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            var found = Dns.GetHostAddresses(Dns.GetHostName())
                .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
            if (found is null)
            {
                problems.Add("Orleans:Endpoints:AdvertisedIPAddress is 'auto' but this host has no non-loopback IPv4 address: set an explicit address");
            }

            return found ?? IPAddress.Loopback;
        }

        if (IPAddress.TryParse(raw, out var address) && !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any))
        {
            return address;
        }

        problems.Add($"Orleans:Endpoints:AdvertisedIPAddress is '{raw}': expected the IP address other silos and clients reach this silo at (e.g. 127.0.0.1, 10.0.0.5) or 'auto'");
        return IPAddress.Loopback;
    }
}
