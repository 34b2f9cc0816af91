using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Overseer.Hosting;
using Overseer.Pool;
using Polly;

namespace Overseer.Sources.Feeds;

/// <summary>The HttpClient every HTTP source uses: timeout per attempt, jittered exponential retry and a circuit
/// breaker per host, so that a short outage (a few seconds of 5xx or refused connections) costs waiting, not a crash.
/// Innermost, each attempt takes this silo's fetch permits (<see cref="FetchPermitHandler"/>).</summary>
internal static class SourceHttp
{
    public const string ClientName = "overseer-sources";

    public static IServiceCollection AddSourceHttpClient(this IServiceCollection services)
    {
        var client = services.AddHttpClient(ClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        client.AddResilienceHandler("overseer-source", pipeline =>
            {
                pipeline.AddTimeout(TimeSpan.FromSeconds(40));
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = 8,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromMilliseconds(200),
                    MaxDelay = TimeSpan.FromSeconds(5),
                });
                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                {
                    SamplingDuration = TimeSpan.FromSeconds(10),
                    FailureRatio = 0.9,
                    MinimumThroughput = 20,
                    BreakDuration = TimeSpan.FromSeconds(2),
                });
                pipeline.AddTimeout(TimeSpan.FromSeconds(8));
            })
            .SelectPipelineByAuthority();

        // Added after the resilience handler, so it runs inside it: once per attempt.
        client.AddHttpMessageHandler<FetchPermitHandler>();

        // With a fetch cap, no more connections per host than permits: a server handles one request per HTTP/1.1
        // connection at a time, so a request sent the instant a permit frees cannot overlap, at the source, with the
        // one that just returned it (whose server-side bookkeeping may still be finishing on its connection).
        client.ConfigurePrimaryHttpMessageHandler(sp =>
        {
            var pool = sp.GetRequiredService<IOptions<PoolOptions>>().Value;
            int[] caps = [.. new[] { pool.MaxConcurrentFetchesPerHost, pool.MaxConcurrentFetchesPerSilo }.Where(c => c > 0)];
            return new SocketsHttpHandler { MaxConnectionsPerServer = caps.Length == 0 ? int.MaxValue : caps.Min() };
        });
        services.AddTransient<FetchPermitHandler>();
        return services;
    }
}
