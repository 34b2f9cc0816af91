using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Overseer.Models;
using Overseer.Testing;
using Xunit.Abstractions;

namespace Overseer.Tests.Cluster;

/// <summary>What an operator sees right after a silo crash: every CLI run is a fresh client, and it must answer
/// through a live gateway while membership still lists the dead silo.</summary>
public sealed class ClientFailoverTests(ITestOutputHelper output)
{
    private const int Workers = 30;
    private static readonly TimeSpan LoopFor = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    // Longer than the client's connect and call budgets (Overseer:Client:ConnectTimeout 15 s, CallTimeout 30 s in the
    // CLI's appsettings.json) plus process start-up; a run that needs more has hung.
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task KillSilo_CliListOnceASecond_NeverFailsWhileTwoSilosAreUp()
    {
        // Orleans' default failure detection: the killed silo stays Active in the membership table for about 15 s,
        // which is the case a new user meets.
        await using var cluster = await ProcessCluster.StartAsync(silos: 3, fastDetection: false);
        var client = await cluster.ConnectAsync();
        var ids = Enumerable.Range(0, Workers).Select(i => $"failover-{i:D2}").ToList();
        foreach (var id in ids)
        {
            await client.StartAsync(id, WorkerSpec.For("sequence", ("batch", "10"), ("delayMs", "50")));
        }

        // The victim hosts registry partitions, so a list (which asks every partition) needs the dead silo's share.
        var silos = await Eventually.UntilAsync(
            async () => await client.GetSilosAsync(),
            s => s.Length == 3 && s.Sum(r => r.Workers) == Workers && s.Sum(r => r.Partitions) == 8,
            TimeSpan.FromSeconds(30),
            s => $"before the kill: 3 silos hosting {Workers} running workers and 8 partitions; got "
                + string.Join(", ", s.Select(r => $"{r.Address} workers={r.Workers} partitions={r.Partitions}")));
        var victimAddress = silos.OrderByDescending(s => s.Partitions).ThenByDescending(s => s.Workers).First().Address;
        var victim = cluster.Silos.Single(s => s.SiloEndpoint == victimAddress);

        victim.Kill();
        var sinceKill = Stopwatch.StartNew();
        var runs = new List<(TimeSpan StartedAt, TimeSpan Duration, int ExitCode, string Detail)>();
        while (sinceKill.Elapsed < LoopFor)
        {
            var startedAt = sinceKill.Elapsed;
            var run = Stopwatch.StartNew();
            var (exitCode, detail) = await ListOnceAsync(cluster);
            runs.Add((startedAt, run.Elapsed, exitCode, detail));
            var pause = Interval - run.Elapsed;
            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause);
            }
        }

        var survivors = cluster.Silos.Where(s => s != victim).ToList();
        output.WriteLine($"killed {victim.Name} ({victimAddress}); {runs.Count} runs of 'list --json' in {sinceKill.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine($"first run answered {(runs[0].StartedAt + runs[0].Duration).TotalSeconds:0.00} s after the kill (run took {runs[0].Duration.TotalSeconds:0.00} s)");
        foreach (var (startedAt, duration, exitCode, detail) in runs)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  +{startedAt.TotalSeconds,5:0.00} s  took {duration.TotalSeconds,5:0.00} s  exit {exitCode}  {detail}"));
        }

        Assert.All(survivors, s => Assert.False(s.HasExited, $"{s.Name} exited during the test; log {s.LogPath}"));
        var failed = runs.Where(r => r.ExitCode != 0).ToList();
        Assert.True(failed.Count == 0,
            $"{failed.Count} of {runs.Count} CLI runs failed while 2 of 3 silos were up: "
            + string.Join("; ", failed.Select(f => $"+{f.StartedAt.TotalSeconds:0.0} s exit {f.ExitCode}: {f.Detail}"))
            + Environment.NewLine + cluster.LogTails());
    }

    /// <summary>One <c>list --json</c> run; exit 0 counts only if it listed every worker.</summary>
    private static async Task<(int ExitCode, string Detail)> ListOnceAsync(ProcessCluster cluster)
    {
        // The client's retries go to stderr, so each run can say what it rode out.
        var environment = new Dictionary<string, string>(ProcessRunner.Environment(cluster))
        {
            ["Logging__LogLevel__Overseer.Client.CallRetry"] = "Debug",
        };
        ProcessRunner.Result result;
        try
        {
            result = await ProcessRunner.RunAsync(RepoPaths.CliDll, ["list", "--json"], environment, RunTimeout);
        }
        catch (TimeoutException e)
        {
            return (-1, e.Message);
        }

        if (result.ExitCode != 0)
        {
            return (result.ExitCode, result.Stderr.Trim());
        }

        var rows = JsonDocument.Parse(result.Stdout).RootElement.GetArrayLength();
        var retries = result.Stderr.Split('\n').Where(l => l.Contains("Call failed in transport", StringComparison.Ordinal)).ToList();
        var rodeOut = retries.Count == 0 ? "" : $"; {retries.Count} retries, first: {retries[0].Trim()}";
        return rows == Workers ? (0, $"{rows} workers{rodeOut}") : (-2, $"listed {rows} workers, expected {Workers}{rodeOut}");
    }
}
