using Overseer.Cli.Watch;
using Overseer.Client;
using Spectre.Console;

namespace Overseer.Cli.Commands;

/// <summary>A live view of the cluster, refreshed every interval until Ctrl-C. When stdout is not a terminal, or
/// with <c>--once</c> or <c>--json</c>, it samples twice one interval apart (so the event rate is real) and prints
/// that one snapshot.</summary>
internal sealed class WatchCommand(TimeSpan interval, int top, bool once, bool json) : ICommand
{
    public const int DefaultTop = 10;
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(2);

    // The registry hears from workers every heartbeat (2 s by default): average the rate over several of them.
    private static readonly TimeSpan MinRateWindow = TimeSpan.FromSeconds(10);

    public static readonly CommandInfo Info = new(
        "watch",
        "watch [--interval SECONDS] [--top N] [--once] [--json]",
        "live view: workers by status, events/s, failovers, silos and the slowest workers (Ctrl-C exits); "
            + "--once, --json or a redirected stdout print one snapshot taken over one interval",
        [],
        ["--interval", "--top"],
        Parse,
        ["--once"]);

    public bool Json => json;

    private static WatchCommand Parse(ArgReader args)
    {
        var top = args.Int("--top", min: 0) ?? DefaultTop;
        if (top > OverseerClient.MaxSlowest)
        {
            throw args.Usage($"invalid --top '{top}': expected a whole number from 0 to {OverseerClient.MaxSlowest}");
        }

        return new WatchCommand(args.Seconds("--interval") ?? DefaultInterval, top, args.Flag("--once"), args.Json);
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
