namespace Overseer.Supervision;

/// <summary>Hands the <see cref="SupervisionScheduler"/>'s pokes to <paramref name="poke"/>, at most
/// <see cref="Hosting.SupervisionOptions.RestoreConcurrency"/> in flight, taking the next ones as each finishes.</summary>
/// <remarks>A poke that completes synchronously (a call that fails before it is sent, as every call does while the
/// silo shuts down) frees its place inside <see cref="Pump"/>'s own loop, which then takes the next: the pump never
/// recurses. It used to: each finished poke pumped the next from its own stack frame, and a silo shutting down with
/// 100,000 workers overflowed the stack through thousands of queued pokes failing one inside the other.
/// Not thread-safe: the partition grain calls it from its activation's turns only.</remarks>
internal sealed class PokePump(SupervisionScheduler scheduler, Func<string, Task> poke)
{
    private bool _pumping;

    public void Pump()
    {
        if (_pumping)
        {
            // A poke finished inside the loop below: the loop takes its place's successor.
            return;
        }

        _pumping = true;
        try
        {
            for (var pokes = scheduler.TakePokes(); pokes.Count > 0; pokes = scheduler.TakePokes())
            {
                foreach (var id in pokes)
                {
                    _ = RunAsync(id);
                }
            }
        }
        finally
        {
            _pumping = false;
        }
    }

    private async Task RunAsync(string id)
    {
        try
        {
            await poke(id);
        }
        catch (Exception)
        {
            // The poke logs its own failures; one that escapes still frees its place, and the stall scan pokes again.
        }
        finally
        {
            scheduler.PokeDone();
            Pump();
        }
    }
}
