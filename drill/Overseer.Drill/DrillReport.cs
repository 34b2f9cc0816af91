using System.Globalization;
using System.Text;

namespace Overseer.Drill;

/// <summary>The one-screen report: what ran, what was applied, and each promise held or broken (with up to five
/// examples each), ending with the seed to replay.</summary>
internal static class DrillReport
{
    private static readonly (DrillPromise Promise, string Text)[] Promises =
    [
        (DrillPromise.ExactlyOnce, "every output holds each seq once, in order, with no gap"),
        (DrillPromise.StopsHold, "no stopped worker moved after its stop returned"),
        (DrillPromise.ShouldRunRuns, "every worker that should run does run"),
        (DrillPromise.PoolCap, "the pool cap was never exceeded, no slot leaked, none lost without a fault that explains it"),
        (DrillPromise.RegistryTruth, "the registry agrees with the workers within two heartbeats"),
        (DrillPromise.RestartsCountCrashes, "restarts count scheduled crashes only (outages count none)"),
        (DrillPromise.DeleteStartsOver, "a deleted and re-started id began at 1"),
        (DrillPromise.CliAnswers, "the CLI answered throughout"),
        (DrillPromise.OperatorActions, "every operator action was answered, and each delete and rewind audited"),
    ];

    public static string Render(DrillOptions options, DrillPopulation population, DrillLedger ledger, DrillChecker checker, CliProbe probe, TimeSpan took)
    {
        var text = new StringBuilder();
        var invariant = CultureInfo.InvariantCulture;
        text.AppendLine(invariant, $"overseer drill — seed {options.Seed}, {options.Minutes} min, {options.Silos} silos, {population.Workers.Length} workers (pool cap {population.PoolCap}); took {took.TotalMinutes:0.0} min");
        text.AppendLine(invariant, $"  population: {string.Join(", ", population.Workers.GroupBy(w => w.Role).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}"))}");
        text.AppendLine(invariant, $"  applied:    {string.Join(", ", ledger.Applied.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key} {a.Value}"))}");
        text.AppendLine(invariant, $"  checked:    {checker.EventsChecked:N0} events, {checker.DeadLettersChecked:N0} dead letters; pool peak {ledger.PoolPeak}/{population.PoolCap} over {ledger.PoolSamples} samples, {checker.SlotLosses} slot losses; CLI {probe.Runs} runs ({probe.Unreachable} exit 3), slowest {probe.Slowest.TotalSeconds:0.0} s");
        var broken = ledger.Violations.GroupBy(v => v.Promise).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var (promise, description) in Promises)
        {
            if (!broken.TryGetValue(promise, out var violations))
            {
                text.AppendLine(invariant, $"  ok      {description}");
                continue;
            }

            text.AppendLine(invariant, $"  BROKEN  {description} ({violations.Count})");
            foreach (var violation in violations.Take(5))
            {
                text.AppendLine(invariant, $"            {violation.Detail}");
            }

            if (violations.Count > 5)
            {
                text.AppendLine(invariant, $"            … {violations.Count - 5} more in the log");
            }
        }

        var held = Promises.Length - broken.Count;
        text.AppendLine(invariant, $"drill seed {options.Seed}: {held} promises held, {broken.Count} broken. Log: {ledger.LogPath}");
        if (broken.Count > 0)
        {
            text.AppendLine(invariant, $"replay: {options.ReplayCommand}");
        }

        return text.ToString();
    }
}
