using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;
using StackExchange.Redis;

namespace Overseer.Hosting;

/// <summary>Ready = this silo is Active in the cluster and Redis answers.</summary>
internal sealed class ReadinessHealthCheck(
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        if (status != SiloStatus.Active)
        {
            return HealthCheckResult.Unhealthy($"silo {silo.SiloAddress.Endpoint} is {status}, not Active");
        }

        try
        {
            await redis.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis is not reachable");
        }

        return HealthCheckResult.Healthy($"silo {silo.SiloAddress.Endpoint} is Active; Redis answers");
    }
}
