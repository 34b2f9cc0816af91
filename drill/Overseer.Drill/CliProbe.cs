using System.Diagnostics;
using System.Globalization;
using Overseer.Testing;

namespace Overseer.Drill;

/// <summary>Runs the real CLI (the built <c>Overseer.Cli.dll</c>, as an operator would) against the cluster every few
/// seconds throughout the drill: <c>summary</c>, and <c>status</c> of an id no one started. Each must answer within
/// <see cref="Deadline"/>: exit 0, a refusal naming the id (exit 1), or exit 3 (cluster or Redis unreachable) — never a
/// crash, a framework log line or an internal exception type.</summary>
internal sealed class CliProbe(DrillCluster cluster, DrillLedger ledger)
{
    /// <summary>The CLI's own call timeout (30 s) and its connect timeout, with room to spare.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(75);

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(8);

    public static readonly string[] Summary = ["summary", "--json"];

    public static readonly string[] StatusOfUnknown = ["status", "never-started"];

    private readonly object _counts = new();

    public int Runs { get; private set; }

    public int Unreachable { get; private set; }

    public TimeSpan Slowest { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; !cancellationToken.IsCancellationRequested; i++)
        {
            var args = i % 2 == 0 ? Summary : StatusOfUnknown;
            await ProbeAsync(args);
            try
            {
                await Task.Delay(Interval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Runs the CLI once with <paramref name="args"/> and breaks the promise unless it answers.</summary>
    public async Task ProbeAsync(string[] args)
    {
        var command = string.Join(' ', args);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(RepoPaths.CliDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in cluster.CliEnvironment)
        {
            start.Environment[key] = value;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            ledger.Break(DrillPromise.CliAnswers, $"`overseer {command}` gave no answer within {Deadline.TotalSeconds:0} s");
            return;
        }

        var (output, error) = (await stdout, await stderr);
        lock (_counts)
        {
            Runs++;
            Slowest = clock.Elapsed > Slowest ? clock.Elapsed : Slowest;
            Unreachable += process.ExitCode == 3 ? 1 : 0;
        }

        var code = process.ExitCode;
        ledger.Write(string.Create(CultureInfo.InvariantCulture, $"cli `{command}` exit {code} in {clock.Elapsed.TotalSeconds:0.0}s"));
        var answered = code switch
        {
            0 => args == Summary,
            1 => args == StatusOfUnknown && error.Contains("unknown worker 'never-started'", StringComparison.Ordinal),
            3 => true,
            _ => false,
        };
        // An answer is the CLI's own: a framework log line or an exception type name on the terminal is not one.
        var leaked = (output + error).Split('\n').FirstOrDefault(l =>
            l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("warn:", StringComparison.Ordinal)
            || l.Contains("Exception", StringComparison.Ordinal));
        if (!answered || leaked is not null)
        {
            ledger.Break(DrillPromise.CliAnswers, string.Create(
                CultureInfo.InvariantCulture,
                $"`overseer {command}` exit {code} after {clock.Elapsed.TotalSeconds:0.0} s: {First(leaked ?? error, output)}"));
        }
    }

    private static string First(string error, string output)
    {
        var text = string.IsNullOrWhiteSpace(error) ? output : error;
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "(no output)";
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
