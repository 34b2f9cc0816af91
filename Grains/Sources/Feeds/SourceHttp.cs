using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Overseer.Pool;
using Polly;

namespace Overseer.Sources.Feeds;

/// <summary>The HttpClient every HTTP source uses: timeout per attempt, jittered exponential retry and a circuit
/// breaker per host, so that a short outage (a few seconds of 5xx or refused connections) costs waiting, not a crash.
/// Innermost, each attempt takes this silo's fetch permits (<see cref="FetchPermitHandler"/>).</summary>
public static class SourceHttp
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
        services.AddTransient<FetchPermitHandler>();
        return services;
    }
}
