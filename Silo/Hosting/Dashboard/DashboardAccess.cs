using System.Net;

namespace Overseer.Hosting.Dashboard;

/// <summary>Decides at start-up whether the dashboard and the worker view require authentication, from the
/// configured credentials and the addresses in <c>Urls</c>.</summary>
internal static class DashboardAccess
{
    /// <summary>True when the pages must be authenticated; throws when <c>Urls</c> exposes them publicly with no way
    /// to authenticate and anonymous access was not asked for.</summary>
    /// <exception cref="Hosting.SiloConfigurationException">Bound publicly without credentials or AllowAnonymous.</exception>
    public static bool RequiresAuthentication(DashboardAccessOptions options, string urls)
    {
        if (options.HasCredentials)
        {
            return true;
        }

        var exposed = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(u => !IsLoopback(u))
            .ToList();
        if (exposed.Count == 0 || options.AllowAnonymous)
        {
            return false;
        }

        const string s = DashboardAccessOptions.SectionName;
        throw new Hosting.SiloConfigurationException(
            $"Urls binds {string.Join(", ", exposed)}, which is not loopback, and no dashboard credentials are set: /dashboard and /workers " +
            $"would be open to anyone who can reach it. Set {s}:Username and {s}:Password (basic authentication), or {s}:ApiKey " +
            $"(at least {DashboardAccessOptionsValidator.MinApiKeyLength} characters; sent as X-Api-Key or Bearer), or {s}:AllowAnonymous=true " +
            "to serve them without authentication, or bind Urls to 127.0.0.1 / localhost.");
    }

    /// <summary>Whether a URL in <c>Urls</c> listens only on loopback (127.0.0.0/8, ::1, localhost).</summary>
    public static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return false; // Kestrel's wildcards (*, +) do not parse: they bind every address
        }

        if (uri.IsLoopback)
        {
            return true; // localhost, 127.x, [::1]
        }

        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }
}
