namespace Overseer.Hosting.Dashboard;

/// <summary>The access rule decided at start-up by <see cref="DashboardAccess.RequiresAuthentication"/>.</summary>
internal sealed record DashboardSecurity(bool RequireAuthentication);
