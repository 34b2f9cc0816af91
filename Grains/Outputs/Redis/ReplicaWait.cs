using StackExchange.Redis;

namespace Overseer.Outputs.Redis;

/// <summary>One primary's <c>WAIT</c>s, coalesced: at most one is in flight, and every caller that arrives meanwhile
/// shares the next, sent as soon as the one in flight returns.</summary>
/// <remarks>Sound because <c>WAIT</c> covers every write sent on its connection before it: a caller asks only after its
/// own write was answered, so whichever <c>WAIT</c> it gets was sent after that write. Coalescing matters because a
/// <c>WAIT</c> blocks its connection until it returns: one per commit would serialise a silo's commits behind one
/// replica round trip each.</remarks>
internal sealed class ReplicaWait(IServer server, int replicas, TimeSpan timeout)
{
    private readonly Lock _gate = new();
    private readonly object[] _arguments = [replicas, Math.Max(1, (long)timeout.TotalMilliseconds)];
    private bool _inFlight;
    private TaskCompletionSource<long>? _next;

    /// <summary>The replicas that acknowledged every write sent on the connection before this call.</summary>
    /// <exception cref="RedisException">The primary could not be asked (connection lost, it is a replica now, …).</exception>
    public Task<long> AcknowledgedAsync()
    {
        lock (_gate)
        {
            if (_inFlight)
            {
                _next ??= new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                return _next.Task;
            }

            _inFlight = true;
            var answer = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            _ = Task.Run(() => SendAsync(answer));
            return answer.Task;
        }
    }

    private async Task SendAsync(TaskCompletionSource<long> answer)
    {
        try
        {
            answer.SetResult((long)await server.ExecuteAsync("WAIT", _arguments).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            answer.SetException(e);
        }

        lock (_gate)
        {
            if (_next is { } waiting)
            {
                _next = null;
                _ = Task.Run(() => SendAsync(waiting));
            }
            else
            {
                _inFlight = false;
            }
        }
    }
}
