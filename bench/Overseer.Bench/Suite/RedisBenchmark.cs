using System.Diagnostics;
using System.Globalization;

namespace Overseer.Bench.Suite;

/// <summary>The events baseline: <c>redis-benchmark</c> (from Debian's redis-server package), pipelined XADD with a
/// payload as long as a <c>sequence</c> event's, on the same Redis.</summary>
internal static class RedisBenchmark
{
    public const string Clients = "50";
    public const string Pipeline = "16";

    /// <summary>XADD requests per second.</summary>
    public static Task<double> XaddAsync(int port, string payload, int requests, CancellationToken cancellationToken) =>
        RunXaddAsync(
            ["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-c", Clients, "-P", Pipeline,
             "-n", requests.ToString(CultureInfo.InvariantCulture), "--csv", "XADD", $"bench:xadd:{Guid.NewGuid():N}", "*", "p", payload],
            cancellationToken);

    /// <summary>XADD requests per second over <paramref name="streams"/> streams (<c>-r</c>: one key per worker, as the
    /// workers have), on one Redis or, with <paramref name="cluster"/>, with <c>--cluster</c> on the Redis Cluster that
    /// <paramref name="port"/> belongs to: each client then sends to one primary, the <c>{tag}</c> in the key replaced by
    /// one of that primary's hash tags (on one Redis the key keeps <c>{tag}</c>, so it is as long).</summary>
    public static Task<double> XaddStreamsAsync(int port, bool cluster, int streams, string payload, int requests, CancellationToken cancellationToken) =>
        RunXaddAsync(
            [.. cluster ? ["--cluster"] : Array.Empty<string>(), "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-c", Clients, "-P", Pipeline,
             "-n", requests.ToString(CultureInfo.InvariantCulture), "-r", streams.ToString(CultureInfo.InvariantCulture), "--csv",
             "XADD", $"bench:{{tag}}:{Guid.NewGuid():N}:__rand_int__", "*", "p", payload],
            cancellationToken);

    private static async Task<double> RunXaddAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("redis-benchmark") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in arguments)
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new BenchFailedException("redis-benchmark did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new BenchFailedException($"events baseline: redis-benchmark is not installed ({ex.Message}); it comes with Debian's redis-server package (apt-get install redis-server)");
        }

        using (process)
        {
            var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);

            // --csv: a header line, then "XADD …","<requests per second>",…
            var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith("\"XADD", StringComparison.Ordinal));
            var field = line?.Split("\",\"") is [_, var rps, ..] ? rps.Trim('"') : null;
            if (process.ExitCode != 0 || field is null || !double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate))
            {
                throw new BenchFailedException($"redis-benchmark exited with {process.ExitCode} and no XADD rate; output: {output.Trim()} {await process.StandardError.ReadToEndAsync(cancellationToken)}");
            }

            return rate;
        }
    }
}
