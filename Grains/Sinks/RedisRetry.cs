using Microsoft.Extensions.Logging;

namespace Overseer.Sinks;

/// <summary>Placeholder until the shared Polly pipeline lands: retries transient Redis failures with backoff.</summary>
public sealed partial class RedisRetry(TimeProvider time, ILogger<RedisRetry> logger)
{
    public async Task<T> ExecuteAsync<T>(string workerId, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            try
            {
                return await operation(cancellationToken);
            }
            catch (Exception ex) when (RedisFaults.IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                Log.Retrying(logger, workerId, delay, ex);
                await Task.Delay(delay, time, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
            }
        }
    }

    public Task ExecuteAsync(string workerId, Func<CancellationToken, Task> operation, CancellationToken cancellationToken) =>
        ExecuteAsync(workerId, async ct => { await operation(ct); return true; }, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Worker {WorkerId} could not reach Redis; retrying in {Delay}")]
        public static partial void Retrying(ILogger logger, string workerId, TimeSpan delay, Exception exception);
    }
}
