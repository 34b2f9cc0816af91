using System.Globalization;
using Overseer.Bench;
using Overseer.Bench.CrashRestart;
using Overseer.Bench.Suite;
using Overseer.Testing;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (UsageException ex)
{
    await Console.Error.WriteLineAsync($"error: {ex.Message}{Environment.NewLine}{BenchOptions.Usage}");
    return 2;
}

if (options.Help)
{
    Console.Write(BenchOptions.Usage);
    return 0;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C cancels, and the cluster is torn down below; a second one ends the process at once.
    e.Cancel = !cancel.IsCancellationRequested;
    cancel.Cancel();
};

if (options.Probe == ViewsProbe.Kind)
{
    return await ViewsProbe.RunAsync(options.Redis!, options.ServiceId!, options.Workers, cancel.Token);
}

if (options.Probe is { } probe)
{
    return await Probe.RunAsync(probe, options.Redis!, options.ServiceId!, options.Workers, options.Quick, cancel.Token);
}

var machine = MachineInfo.Read();

// One runner for the measurement modes: the same exit codes and error reporting for each.
async Task<int> MeasureAsync(Func<Task> measure)
{
    try
    {
        await measure();
        return 0;
    }
    catch (OperationCanceledException) when (cancel.IsCancellationRequested)
    {
        await Console.Error.WriteLineAsync("cancelled");
        return 130;
    }
    catch (Exception ex)
    {
        await Console.Error.WriteLineAsync($"bench failed: {(ex is BenchFailedException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}")}");
        return 1;
    }
}

if (options.Suite)
{
    var command = string.Join(' ', new[] { "./overseer bench" }.Concat(options.Scenarios).Concat(options.Quick ? ["--quick"] : []).Concat(options.Large ? ["--large"] : []));
    try
    {
        return await new SuiteRunner(new SuiteSettings(options.Quick, options.Large), options.Scenarios, command).RunAsync(machine, cancel.Token);
    }
    catch (OperationCanceledException) when (cancel.IsCancellationRequested)
    {
        await Console.Error.WriteLineAsync("cancelled");
        return 130;
    }
}

if (options.CrashRestart)
{
    return await MeasureAsync(async () => Console.Write(CrashRestartTable.Render(machine, await new CrashRestartBench(options).RunAsync(cancel.Token))));
}

if (options.Evm)
{
    return await MeasureAsync(async () =>
    {
        var lines = await new EvmBench(options).RunAsync(cancel.Token);
        Console.WriteLine($"({machine.Cores} cores, {machine.Cpu}, {machine.Redis}, {options.Silos} silos, anvil {AnvilNode.Binary})");
        foreach (var line in lines)
        {
            Console.WriteLine($"  {line}");
        }
    });
}

if (options.Pool || options.ViewLatency || options.TelemetryOverhead)
{
    return await MeasureAsync(async () =>
    {
        Console.WriteLine($"({machine.Cores} cores, {machine.Cpu}, {machine.Redis}, {options.Silos} silos)");
        if (options.Pool)
        {
            foreach (var r in await new PoolBench(options).RunAsync(cancel.Token))
            {
                Console.WriteLine($"  {r.Setting,-34} {r.EventsPerSecond,10:0} events/s  running {r.RunningWorkers,6}  pending {r.PendingWorkers,6}  silo RSS {r.SiloRssMiB,6:0} MiB");
            }
        }
        else if (options.ViewLatency)
        {
            foreach (var (request, latency) in await new ViewLatencyBench(options).RunAsync(cancel.Token))
            {
                Console.WriteLine($"  GET {request,-34} p50 {latency.P50,7:0.0} ms  p99 {latency.P99,7:0.0} ms");
            }
        }
        else
        {
            var runs = await new TelemetryOverheadBench(options).RunAsync(cancel.Token);
            double Median(bool telemetry)
            {
                var xs = runs.Where(r => r.Telemetry == telemetry).Select(r => r.EventsPerSecond).Order().ToArray();
                return xs.Length % 2 == 1 ? xs[xs.Length / 2] : (xs[(xs.Length / 2) - 1] + xs[xs.Length / 2]) / 2;
            }

            foreach (var (telemetry, rate) in runs)
            {
                Console.WriteLine($"  telemetry {(telemetry ? "on " : "off")}  {rate,10:0} events/s");
            }

            var (off, on) = (Median(false), Median(true));
            Console.WriteLine($"  median off {off:0} events/s, on {on:0} events/s: telemetry overhead {(off - on) / off * 100:0.0} %");
        }
    });
}

BenchCluster? cluster = null;
try
{
    // Rebalancing off: a move starts a new run on the target silo, and the start-rate pass counts runs per worker.
    cluster = await BenchCluster.StartAsync(options.Silos, cancel.Token, new Dictionary<string, string> { ["Overseer__Supervision__RebalanceInterval"] = "0s" });
    var layout = await cluster.Client.GetSummaryAsync(cancel.Token);
    var starts = await new StartRateBench(cluster, options).RunAsync(cancel.Token);
    var restarts = await new RestartLatencyBench(cluster, options).RunAsync(cancel.Token);
    Console.Write(ResultsTable.Render(options, machine, layout.Partitions, starts, restarts));

    var stale = starts.RegistryStale.Count + restarts.RegistryStale.Count;
    if (stale > 0)
    {
        // The numbers stand (they come from the workers themselves), but the registry broke its contract: say so.
        await Console.Error.WriteLineAsync($"bench failed: the registry disagreed with {stale} worker(s); see the table");
        return 1;
    }

    return 0;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("cancelled");
    return 130;
}
catch (Exception ex)
{
    // BenchFailedException says what was expected; anything else (no redis-server, a silo that would not start,
    // a lost cluster) carries its own message, which names the cause.
    var message = ex is BenchFailedException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
    await Console.Error.WriteLineAsync($"bench failed: {message}");
    if (cluster is not null)
    {
        await Console.Error.WriteLineAsync($"silo logs: {string.Join(", ", cluster.Silos.Select(s => s.LogPath))}");
    }

    return 1;
}
finally
{
    if (cluster is not null)
    {
        Progress.Say("stopping the client, the silos and redis-server");
        await cluster.DisposeAsync();
    }
}
