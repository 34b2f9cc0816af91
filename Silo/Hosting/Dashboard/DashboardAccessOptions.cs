namespace Overseer.Hosting.Dashboard;

/// <summary>Who may open the Orleans dashboard (<c>/dashboard</c>) and the worker view (<c>/workers</c>), bound from
/// <c>Overseer:Dashboard</c>. Health endpoints are always anonymous.</summary>
/// <remarks>With credentials set, both pages require them wherever the silo listens. Without credentials they are
/// anonymous only while <c>Urls</c> binds loopback addresses; bound to any other address the silo refuses to start
/// unless <see cref="AllowAnonymous"/> is true.</remarks>
internal sealed class DashboardAccessOptions
{
    public const string SectionName = "Overseer:Dashboard";

    /// <summary>Basic-auth user name; set together with <see cref="Password"/>. Default none.</summary>
    public string? Username { get; set; }

    /// <summary>Basic-auth password; set together with <see cref="Username"/>. Default none. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>A key accepted as <c>X-Api-Key: KEY</c> or <c>Authorization: Bearer KEY</c> (at least 16 characters).
    /// Default none. Never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Serve both pages without authentication even when <c>Urls</c> binds a non-loopback address (e.g.
    /// behind an authenticating proxy). Default false.</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Whether any credential is configured.</summary>
    public bool HasCredentials => !string.IsNullOrEmpty(Password) || !string.IsNullOrEmpty(ApiKey);
}
