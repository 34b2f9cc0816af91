using Overseer.Cli.Watch;
using Overseer.Client;
using Spectre.Console;

namespace Overseer.Cli.Commands;

/// <summary>A live view of the cluster, refreshed every interval until Ctrl-C. When stdout is not a terminal, or
/// with <c>--once</c> or <c>--json</c>, it samples twice one interval apart (so the event rate is real) and prints
/// that one snapshot.</summary>
internal sealed class WatchCommand(TimeSpan interval, int top, bool once, bool json)
{
    public const int DefaultTop = 10;
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(2);

    // The registry hears from workers every heartbeat (2 s by default): average the rate over several of them.
    private static readonly TimeSpan MinRateWindow = TimeSpan.FromSeconds(10);

    public static CliCommand Create()
    {
        var interval = CliOptions.Seconds("--interval", $"seconds between refreshes (default {DefaultInterval.TotalSeconds:0})");
        var top = CliOptions.WholeNumber("--top", "N", $"how many of the slowest workers to show (default {DefaultTop})", min: 0, max: OverseerClient.MaxSlowest);
        var once = CliOptions.Flag("--once", "print one snapshot and exit");
        return new CliCommand(
            "watch",
            "live view: workers by status, events/s, failovers, silos and the slowest workers (Ctrl-C exits); "
            + "--once, --json or a redirected stdout print one snapshot taken over one interval",
            (parse, context, ct) => new WatchCommand(
                parse.GetValue(interval) ?? DefaultInterval,
                parse.GetValue(top) ?? DefaultTop,
                parse.GetValue(once),
                parse.GetValue(CliParser.Json)).ExecuteAsync(context, ct))
        {
            interval,
            top,
            once,
        };
    }

    public async Task ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var client = await context.ConnectAsync(cancellationToken);
        var window = interval * 2 > MinRateWindow ? interval * 2 : MinRateWindow;
        var sampler = new WatchSampler(client, top, new EventRate(window), TimeProvider.System);
        if (once || json || Console.IsOutputRedirected)
        {
            await sampler.SampleAsync(cancellationToken);
            await Task.Delay(interval, cancellationToken);
            await context.Output.WatchAsync(await sampler.SampleAsync(cancellationToken), cancellationToken);
            return;
        }

        await LiveAsync(sampler, cancellationToken);
    }

    // Ctrl-C ends the loop normally (exit 0); Spectre's Live restores the cursor when the callback returns.
    private async Task LiveAsync(WatchSampler sampler, CancellationToken cancellationToken)
    {
        WatchSnapshot? last = null;
        await AnsiConsole.Live(WatchView.Render(null, null, interval)).AutoClear(false).StartAsync(async live =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                string? error = null;
                try
                {
                    last = await sampler.SampleAsync(cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (ClusterUnreachableException e)
                {
                    // A gateway lost during a silo failure: keep the last numbers on screen and try again.
                    error = $"refresh failed: {e.Message}";
                }

                live.UpdateTarget(WatchView.Render(last, error, interval));
                try
                {
                    await Task.Delay(interval, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }
}
