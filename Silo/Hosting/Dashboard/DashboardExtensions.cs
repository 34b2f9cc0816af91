using Microsoft.AspNetCore.Authentication;
using Orleans.Dashboard;

namespace Overseer.Hosting.Dashboard;

/// <summary>The Orleans dashboard at <c>/dashboard</c> and the worker view at <c>/workers</c>, behind the access rule
/// of <see cref="DashboardAccessOptions"/>.</summary>
internal static class DashboardExtensions
{
    public const string DashboardPath = "/dashboard";

    /// <summary>Registers the worker view and, when <paramref name="requireAuthentication"/>, the authentication that
    /// guards both pages. The silo builder must also call <c>AddDashboard()</c>.</summary>
    public static IServiceCollection AddOverseerDashboard(this IServiceCollection services, DashboardAccessOptions access, bool requireAuthentication)
    {
        services.AddSingleton(access);
        services.AddSingleton(new DashboardSecurity(requireAuthentication));
        services.AddSingleton<CheckpointRate>();
        services.AddSingleton<WorkerViewReader>();
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, DashboardAuthenticationHandler>(DashboardAuthenticationHandler.SchemeName, _ => { });
        services.AddAuthorizationBuilder().AddPolicy(DashboardAuthenticationHandler.PolicyName, p => p
            .AddAuthenticationSchemes(DashboardAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser());
        return services;
    }

    public static WebApplication MapOverseerDashboard(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        var dashboard = app.MapOrleansDashboard(routePrefix: DashboardPath);
        var workers = app.MapWorkerView();
        if (app.Services.GetRequiredService<DashboardSecurity>().RequireAuthentication)
        {
            dashboard.RequireAuthorization(DashboardAuthenticationHandler.PolicyName);
            workers.RequireAuthorization(DashboardAuthenticationHandler.PolicyName);
        }

        return app;
    }
}
