using Microsoft.Extensions.Options;

namespace Overseer.Hosting.Dashboard;

/// <summary>Checks <see cref="DashboardAccessOptions"/>; messages name the key and never echo a secret.</summary>
internal sealed class DashboardAccessOptionsValidator : IValidateOptions<DashboardAccessOptions>
{
    public const int MinApiKeyLength = 16;

    public ValidateOptionsResult Validate(string? name, DashboardAccessOptions options)
    {
        var problems = new List<string>();
        var hasUser = !string.IsNullOrEmpty(options.Username);
        var hasPassword = !string.IsNullOrEmpty(options.Password);
        if (hasUser != hasPassword)
        {
            problems.Add($"{DashboardAccessOptions.SectionName}:{(hasUser ? "Password" : "Username")} is not set: " +
                $"{DashboardAccessOptions.SectionName}:Username and {DashboardAccessOptions.SectionName}:Password go together (basic authentication)");
        }

        if (hasUser && options.Username!.Contains(':', StringComparison.Ordinal))
        {
            problems.Add($"{DashboardAccessOptions.SectionName}:Username is '{options.Username}': expected a name without ':' (basic authentication separates user and password with it)");
        }

        if (options.ApiKey is { Length: > 0 } key && (key.Length < MinApiKeyLength || key.Any(char.IsWhiteSpace)))
        {
            problems.Add($"{DashboardAccessOptions.SectionName}:ApiKey is set but too weak or malformed: expected at least {MinApiKeyLength} characters without whitespace");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
