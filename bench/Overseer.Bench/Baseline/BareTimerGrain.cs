namespace Overseer.Bench.Baseline;

/// <summary>See <see cref="IBareTimerGrain"/>: a 1 s timer that keeps the activation alive and counts its ticks.</summary>
public sealed class BareTimerGrain : Grain, IBareTimerGrain
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private long _ticks;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(Tick, new GrainTimerCreationOptions(Period, Period) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public Task PingAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    private Task Tick(CancellationToken cancellationToken)
    {
        _ticks++;
        return Task.CompletedTask;
    }
}
