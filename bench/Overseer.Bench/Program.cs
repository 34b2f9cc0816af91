using System.Globalization;
using Overseer.Bench;

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
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Let the finally blocks kill the silos and Redis; a second Ctrl+C ends the process at once.
    e.Cancel = !cancel.IsCancellationRequested;
    cancel.Cancel();
};

var machine = MachineInfo.Read();
BenchCluster? cluster = null;
try
{
    cluster = await BenchCluster.StartAsync(options.Silos, cancel.Token);
    var starts = await new StartRateBench(cluster, options).RunAsync(cancel.Token);
    var restarts = await new RestartLatencyBench(cluster, options).RunAsync(cancel.Token);
    Console.Write(ResultsTable.Render(options, machine, starts, restarts));
    return 0;
}
catch (BenchFailedException ex)
{
    await Console.Error.WriteLineAsync($"bench failed: {ex.Message}");
    if (cluster is not null)
    {
        await Console.Error.WriteLineAsync($"silo logs: {string.Join(", ", cluster.Silos.Select(s => s.LogPath))}");
    }

    return 1;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("cancelled");
    return 130;
}
finally
{
    if (cluster is not null)
    {
        Progress.Say("stopping the client, the silos and redis-server");
        await cluster.DisposeAsync();
    }
}
