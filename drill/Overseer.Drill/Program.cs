using System.Diagnostics;
using System.Globalization;
using Overseer.Drill;
using Overseer.Testing;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

DrillOptions options;
try
{
    options = DrillOptions.Parse(args);
}
catch (DrillUsageException ex)
{
    await Console.Error.WriteLineAsync($"error: {ex.Message}{Environment.NewLine}{DrillOptions.Usage}");
    return 2;
}

if (options.Help)
{
    Console.Write(DrillOptions.Usage);
    return 0;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = !cancel.IsCancellationRequested;
    cancel.Cancel();
};

var took = Stopwatch.StartNew();
var directory = Directory.CreateDirectory(Path.Combine(RepoPaths.Root, ".overseer", "drill")).FullName;
using var ledger = new DrillLedger(Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"seed-{options.Seed}.log")));
Console.WriteLine($"overseer drill: seed {options.Seed}{(options.SeedChosen ? "" : " (random)")}, {options.Minutes} min, {options.Silos} silos, {options.Workers} workers; log {ledger.LogPath}");

DrillCluster? cluster = null;
try
{
    cluster = await DrillCluster.StartAsync(options.Silos, feedRate: 20, DrillPopulation.PoolCapFor(options.Workers), cancel.Token);
    var population = DrillPopulation.Create(options.Seed, options.Workers, cluster.Feed.FeedUrl, cluster.Anvil.HttpUrl, cluster.Anvil.WsUrl);
    var schedule = DrillSchedule.Create(options.Seed, options.Minutes, options.Silos, population);
    ledger.Write($"drill: {options.ReplayCommand}");
    ledger.Write($"population (pool cap {population.PoolCap}):");
    foreach (var worker in population.Workers)
    {
        ledger.Write($"  {worker.Id} {worker.Role} {worker.Spec.Describe()}");
    }

    ledger.Write($"schedule ({schedule.Length} steps):");
    foreach (var step in schedule)
    {
        ledger.Write($"  {step}");
    }

    var store = new StoreReads(cluster);
    var operatorActions = new DrillOperator(cluster, population, ledger, store);
    foreach (var worker in population.Workers)
    {
        await cluster.Client.StartAsync(worker.Id, worker.Spec, cancel.Token);
    }

    Console.WriteLine($"cluster up, {population.Workers.Length} workers started; {schedule.Length} steps over {options.Minutes} min");
    var probe = new CliProbe(cluster, ledger);
    await new DrillRunner(cluster, ledger, operatorActions, store, population.PoolCap)
        .RunAsync(schedule, probe, TimeSpan.FromMinutes(options.Minutes), cancel.Token);
    Console.WriteLine("schedule done; settling and checking");
    var checker = new DrillChecker(cluster, population, ledger, operatorActions, store);
    await checker.CheckAsync(cancel.Token);
    var report = DrillReport.Render(options, population, ledger, checker, probe, took.Elapsed);
    ledger.Write(report);
    Console.Write(report);
    if (ledger.Violations.Count > 0)
    {
        Console.WriteLine("silo logs:");
        foreach (var silo in cluster.Silos)
        {
            Console.WriteLine($"  {silo.Name}: {silo.LogPath}");
        }
    }

    return ledger.Violations.Count == 0 ? 0 : 1;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("cancelled");
    return 130;
}
catch (Exception ex)
{
    // The drill itself failed (a process that would not start): not a verdict on the product.
    await Console.Error.WriteLineAsync($"drill seed {options.Seed} could not run: {ex}");
    ledger.Write($"could not run: {ex}");
    return 4;
}
finally
{
    if (cluster is not null)
    {
        await cluster.DisposeAsync();
    }
}
