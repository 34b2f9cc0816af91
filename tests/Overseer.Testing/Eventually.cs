using System.Diagnostics;

namespace Overseer.Testing;

/// <summary>Awaits a condition with a deadline instead of sleeping for a fixed time.</summary>
/// <remarks>
/// A probe that throws counts as "not yet" (during a failover calls are expected to fail for a while);
/// the last error is kept and reported if the deadline passes. A probe still running at the deadline
/// is abandoned, so a hung call cannot stretch the wait past <c>timeout</c>.
/// </remarks>
public static class Eventually
{
    /// <summary>Time between the end of one probe and the start of the next.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls <paramref name="condition"/> until it returns true.</summary>
    /// <param name="condition">The check; exceptions count as false.</param>
    /// <param name="timeout">The deadline, measured from the call.</param>
    /// <param name="describe">
    /// Called only on timeout to say what was awaited and what was seen, e.g.
    /// <c>() => $"after restart: worker {id} Running, was {last}"</c>.
    /// </param>
    /// <param name="cancellationToken">Stops waiting early.</param>
    /// <exception cref="TimeoutException">The deadline passed; the message holds the description and the last probe error.</exception>
    public static Task UntilAsync(
        Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(describe);
        return PollAsync(condition, static ok => ok, timeout, (_, _) => describe(), cancellationToken);
    }

    /// <summary>Polls <paramref name="probe"/> until <paramref name="done"/> accepts its value, and returns that value.</summary>
    /// <param name="probe">Reads the current value; exceptions count as "not yet".</param>
    /// <param name="done">Whether a value is the awaited one.</param>
    /// <param name="timeout">The deadline, measured from the call.</param>
    /// <param name="describe">
    /// Called only on timeout with the last value read, to say what was awaited and what was seen, e.g.
    /// <c>s => $"phase 2: worker {id} expected 3 restarts, was {s.Restarts}"</c>.
    /// </param>
    /// <param name="cancellationToken">Stops waiting early.</param>
    /// <exception cref="TimeoutException">The deadline passed; the message holds the description and the last probe error.</exception>
    public static Task<T> UntilAsync<T>(
        Func<Task<T>> probe,
        Func<T, bool> done,
        TimeSpan timeout,
        Func<T, string> describe,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(describe);
        return PollAsync(
            probe,
            done,
            timeout,
            (hasValue, last) => hasValue ? describe(last!) : "no probe returned a value",
            cancellationToken);
    }

    private static async Task<T> PollAsync<T>(
        Func<Task<T>> probe,
        Func<T, bool> done,
        TimeSpan timeout,
        Func<bool, T?, string> describe,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);

        var clock = Stopwatch.StartNew();
        var probes = 0;
        var hasValue = false;
        T? last = default;
        Exception? lastError = null;

        while (clock.Elapsed < timeout)
        {
            probes++;
            try
            {
                var pending = probe();
                var deadline = Task.Delay(WholeMilliseconds(timeout - clock.Elapsed), cancellationToken);
                if (await Task.WhenAny(pending, deadline).ConfigureAwait(false) != pending)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Abandon(pending);
                    lastError = new TimeoutException("The last probe was still running at the deadline.");
                    break;
                }

                last = await pending.ConfigureAwait(false);
                hasValue = true;
                lastError = null;
                if (done(last))
                {
                    return last;
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                lastError = ex;
            }

            var remaining = timeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            await Task.Delay(WholeMilliseconds(remaining < PollInterval ? remaining : PollInterval), cancellationToken)
                .ConfigureAwait(false);
        }

        var message = $"Timed out after {timeout.TotalSeconds:0.###} s ({probes} probes) waiting for: {describe(hasValue, last)}.";
        if (lastError is not null)
        {
            message += $" Last probe error: {lastError.GetType().Name}: {lastError.Message}";
        }

        throw new TimeoutException(message, lastError);
    }

    // Task.Delay truncates to whole milliseconds, so a sub-millisecond remainder would not wait at all and the
    // loop would spin through hundreds of probes just before the deadline; rounding up keeps each wait real.
    private static TimeSpan WholeMilliseconds(TimeSpan delay) =>
        TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(delay.TotalMilliseconds)));

    // Observes the abandoned probe's eventual failure so it is not reported as an unobserved task exception.
    private static void Abandon(Task pending) =>
        pending.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
}
