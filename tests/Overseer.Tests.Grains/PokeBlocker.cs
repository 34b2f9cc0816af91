using Orleans.Runtime;

namespace Overseer.Tests.Grains;

/// <summary>Fault injection for the partition's pokes: while a worker id is blocked, every <c>EnsureRunningAsync</c>
/// call to it fails before it is sent, as a poke that races a silo's shutdown fails in a real cluster ("Silo … is shutting
/// down", "The target silo became unavailable"). Register <see cref="InvokeAsync"/> as an outgoing grain call filter.</summary>
public sealed class PokeBlocker
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _blocked = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _refusedOf = new(StringComparer.Ordinal);
    private int _refused;

    /// <summary>Pokes refused so far.</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>Pokes of <paramref name="workerId"/> refused so far (each one the partition made while it was blocked).</summary>
    public int PokesOf(string workerId)
    {
        lock (_lock)
        {
            return _refusedOf.GetValueOrDefault(workerId);
        }
    }

    public void Block(string workerId)
    {
        lock (_lock)
        {
            _blocked.Add(workerId);
        }
    }

    public void Unblock(string workerId)
    {
        lock (_lock)
        {
            _blocked.Remove(workerId);
        }
    }

    public Task InvokeAsync(IOutgoingGrainCallContext context)
    {
        if (context.MethodName == nameof(IWorkerGrain.EnsureRunningAsync) && Refuses(context.TargetId.Key.ToString()))
        {
            Interlocked.Increment(ref _refused);
            throw new SiloUnavailableException($"test: poke of {context.TargetId} refused, as one that races a silo's shutdown is");
        }

        return context.Invoke();
    }

    private bool Refuses(string workerId)
    {
        lock (_lock)
        {
            if (!_blocked.Contains(workerId))
            {
                return false;
            }

            _refusedOf[workerId] = _refusedOf.GetValueOrDefault(workerId) + 1;
            return true;
        }
    }
}
