using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace Overseer.Bench.Suite;

/// <summary>Runs this bench executable again as a <see cref="Probe"/> child and reads its one-line result.</summary>
internal static class ProbeProcess
{
    /// <summary>At least 5 min; a larger probe (the idle scenario's 100,000 workers) gets a minute per 10,000.</summary>
    private static TimeSpan TimeoutFor(int count) => TimeSpan.FromMinutes(Math.Max(5, count / 10_000.0));

    /// <param name="killOnResult">Kill the child as soon as its result line arrives instead of letting its silo shut
    /// down gracefully (a minute at 100,000 workers). Only for a service id of its own: a killed silo stays in that
    /// cluster's membership table, where a later silo of the same service would wait for it to be declared dead.</param>
    public static async Task<ProbeResult> RunAsync(string kind, string redis, string serviceId, int count, bool quick, CancellationToken cancellationToken, bool killOnResult = false)
    {
        var self = Assembly.GetEntryAssembly()?.Location ?? throw new InvalidOperationException("the bench's own assembly has no location");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { self, "--probe", kind, "--redis", redis, "--service-id", serviceId, "--workers", count.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        if (quick)
        {
            start.ArgumentList.Add("--quick");
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the probe process");
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timeout = TimeoutFor(count);
        deadline.CancelAfter(timeout);
        string? last = null;
        try
        {
            while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                if (line.Trim() is { Length: > 0 } trimmed)
                {
                    last = trimmed;
                }

                if (killOnResult && last is not null && last.StartsWith('{'))
                {
                    process.Kill(entireProcessTree: true);
                    break;
                }
            }

            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new BenchFailedException($"probe {kind} ({count}) did not finish within {timeout.TotalMinutes:0} min");
        }

        var killed = killOnResult && last is not null && last.StartsWith('{');
        if ((process.ExitCode != 0 && !killed) || last is null || !last.StartsWith('{'))
        {
            var tail = string.Join('\n', (await stderr).Split('\n').TakeLast(20));
            throw new BenchFailedException($"probe {kind} ({count}) exited with {process.ExitCode} and no result; its stderr ends:\n{tail}");
        }

        return JsonSerializer.Deserialize<ProbeResult>(last) ?? throw new BenchFailedException($"probe {kind}: unreadable result '{last}'");
    }
}
