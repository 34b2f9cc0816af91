using System.Diagnostics;
using System.Net;

namespace Overseer.Testing;

/// <summary>Polls a child process's health URL until it answers 200, failing fast if the process exits first.</summary>
internal static class HttpReadiness
{
    /// <param name="name">How messages name the process, e.g. "silo-1" or "The reference source on port 5080".</param>
    /// <param name="logTail">The process's log tail, appended to failure messages.</param>
    /// <exception cref="InvalidOperationException">The process exited first.</exception>
    /// <exception cref="TimeoutException">It was not ready in time; the message holds the last answer.</exception>
    public static async Task WaitAsync(
        HttpClient http, Uri uri, Process process, string name, string logPath, Func<string> logTail,
        TimeSpan timeout, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var lastAnswer = "no answer yet";
        while (clock.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"{name} exited with code {process.ExitCode} before it was ready. Log tail ({logPath}):{Environment.NewLine}{logTail()}");
            }

            try
            {
                // Each request is bounded by the time left, so a process that accepts but never answers cannot stretch the wait.
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromTicks(Math.Max(1, (timeout - clock.Elapsed).Ticks)));
                using var response = await http.GetAsync(uri, attempt.Token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                lastAnswer = $"{(int)response.StatusCode} {response.StatusCode}";
            }
            catch (Exception ex) when (ex is HttpRequestException
                || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                lastAnswer = ex.Message;
            }

            await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException(
            $"{name} was not ready within {timeout.TotalSeconds:0.#} s: GET {uri} last gave '{lastAnswer}'. Log tail ({logPath}):{Environment.NewLine}{logTail()}");
    }
}
