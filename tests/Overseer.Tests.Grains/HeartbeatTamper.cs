using Overseer.Models;

namespace Overseer.Tests.Grains;

/// <summary>Fault injection for the silos' heartbeats (<see cref="IPartitionGrain.HeartbeatAsync"/>): a message dropped
/// here is not sent, and its sender is answered <see cref="HeartbeatAnswer.Taken"/> — a lost one-way message, as far as
/// the silo knows, which only the sequence of the next one can reveal. Also counts the partitions' answers asking for the
/// whole set. Register <see cref="InvokeAsync"/> as an outgoing grain call filter.</summary>
public sealed class HeartbeatTamper
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _dropNextNaming = new(StringComparer.Ordinal);
    private readonly HashSet<GrainId> _silenced = [];
    private readonly Dictionary<GrainId, int> _wholeSetsAsked = [];
    private readonly Dictionary<string, int> _droppedNaming = new(StringComparer.Ordinal);

    /// <summary>The next heartbeat that names <paramref name="workerId"/> as running (joined, or in a whole set) is lost.</summary>
    public void DropNextNaming(string workerId)
    {
        lock (_lock)
        {
            _dropNextNaming.Add(workerId);
        }
    }

    /// <summary>Every heartbeat to <paramref name="partition"/> is lost from now on (until <see cref="Unsilence"/>).</summary>
    public void Silence(GrainId partition)
    {
        lock (_lock)
        {
            _silenced.Add(partition);
        }
    }

    public void Unsilence(GrainId partition)
    {
        lock (_lock)
        {
            _silenced.Remove(partition);
        }
    }

    /// <summary>Heartbeats naming <paramref name="workerId"/> lost so far.</summary>
    public int DroppedNaming(string workerId)
    {
        lock (_lock)
        {
            return _droppedNaming.GetValueOrDefault(workerId);
        }
    }

    /// <summary>Answers <see cref="HeartbeatAnswer.WholeSetWanted"/> from <paramref name="partition"/> so far.</summary>
    public int WholeSetsAsked(GrainId partition)
    {
        lock (_lock)
        {
            return _wholeSetsAsked.GetValueOrDefault(partition);
        }
    }

    public async Task InvokeAsync(IOutgoingGrainCallContext context)
    {
        if (context.MethodName != nameof(IPartitionGrain.HeartbeatAsync) || context.Request.GetArgument(0) is not SiloHeartbeat heartbeat)
        {
            await context.Invoke();
            return;
        }

        if (Drops(context.TargetId, heartbeat))
        {
            context.Result = HeartbeatAnswer.Taken;
            return;
        }

        await context.Invoke();
        if (context.Result is HeartbeatAnswer.WholeSetWanted)
        {
            lock (_lock)
            {
                _wholeSetsAsked[context.TargetId] = _wholeSetsAsked.GetValueOrDefault(context.TargetId) + 1;
            }
        }
    }

    private bool Drops(GrainId target, SiloHeartbeat heartbeat)
    {
        lock (_lock)
        {
            if (_silenced.Contains(target))
            {
                return true;
            }

            foreach (var id in heartbeat.Added)
            {
                if (_dropNextNaming.Remove(id))
                {
                    _droppedNaming[id] = _droppedNaming.GetValueOrDefault(id) + 1;
                    return true;
                }
            }

            return false;
        }
    }
}
