using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Overseer.Hosting.Dashboard;

/// <summary>Authenticates dashboard and worker-view requests with basic credentials (<c>Authorization: Basic</c>) or
/// the API key (<c>X-Api-Key</c> or <c>Authorization: Bearer</c>), compared in constant time.</summary>
internal sealed partial class DashboardAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    DashboardAccessOptions access) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    public const string SchemeName = "OverseerDashboard";
    public const string PolicyName = "OverseerDashboard";
    private const string ApiKeyHeader = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers.TryGetValue(ApiKeyHeader, out var key))
        {
            return Task.FromResult(SecretComparer.Matches(key.ToString(), access.ApiKey)
                ? Success("api-key")
                : Failure($"wrong {ApiKeyHeader}"));
        }

        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization.ToString(), out var header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(SecretComparer.Matches(header.Parameter, access.ApiKey) ? Success("api-key") : Failure("wrong bearer token"));
        }

        if (header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            var (user, password) = DecodeBasic(header.Parameter);
            // Both comparisons always run, so a wrong user name costs the same time as a wrong password.
            var userOk = SecretComparer.Matches(user, access.Username);
            var passwordOk = SecretComparer.Matches(password, access.Password);
            return Task.FromResult(userOk && passwordOk ? Success(user!) : Failure("wrong basic credentials"));
        }

        return Task.FromResult(AuthenticateResult.NoResult());
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        if (!string.IsNullOrEmpty(access.Password))
        {
            Response.Headers.Append("WWW-Authenticate", "Basic realm=\"Overseer\", charset=\"UTF-8\"");
        }

        if (!string.IsNullOrEmpty(access.ApiKey))
        {
            Response.Headers.Append("WWW-Authenticate", "Bearer realm=\"Overseer\"");
        }

        return Task.CompletedTask;
    }

    private static (string? User, string? Password) DecodeBasic(string? parameter)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(parameter ?? ""));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? (null, null) : (text[..colon], text[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return (null, null);
        }
    }

    private AuthenticateResult Success(string name)
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private AuthenticateResult Failure(string reason)
    {
        Log.Rejected(Logger, Request.Path.Value ?? "/", Context.Connection.RemoteIpAddress?.ToString() ?? "unknown", reason);
        return AuthenticateResult.Fail(reason);
    }
}
