using System.Reflection;

namespace Overseer.Tests.Grains;

/// <summary>A cluster client whose manager loses the answer to one call of a chosen method: the call runs in the cluster
/// to its end, then <c>beforeLosing</c> runs (so a test can let the cluster move on, as it would while the answer is on
/// its way), then the caller sees a <see cref="TimeoutException"/> — what an answer lost in transport looks like to a
/// client, which retries it.</summary>
public class LostAnswers : DispatchProxy
{
    private IClusterClient _inner = null!;
    private ManagerLosingOne _manager = null!;

    /// <summary>How many answers were lost so far (0 or 1).</summary>
    public int Lost => _manager.Lost;

    public static (IClusterClient Client, LostAnswers Losses) Of(IClusterClient inner, string method, Func<Task> beforeLosing)
    {
        var client = Create<IClusterClient, LostAnswers>();
        var losses = (LostAnswers)(object)client;
        losses._inner = inner;
        losses._manager = new ManagerLosingOne(method, beforeLosing);
        return (client, losses);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var result = targetMethod!.Invoke(_inner, args);
        return result is IManagerGrain manager ? _manager.Wrap(manager) : result;
    }

    private sealed class ManagerLosingOne(string method, Func<Task> beforeLosing)
    {
        private int _lost;

        public int Lost => Volatile.Read(ref _lost);

        public IManagerGrain Wrap(IManagerGrain inner)
        {
            var proxy = Create<IManagerGrain, ManagerProxy>();
            ((ManagerProxy)(object)proxy).Init(inner, this);
            return proxy;
        }

        public object? Invoke(IManagerGrain inner, MethodInfo targetMethod, object?[]? args)
        {
            var result = targetMethod.Invoke(inner, args);
            if (targetMethod.Name != method || Interlocked.CompareExchange(ref _lost, 1, 0) != 0)
            {
                return result;
            }

            var answer = targetMethod.ReturnType.GetGenericArguments()[0];
            return typeof(ManagerLosingOne).GetMethod(nameof(LoseAsync), BindingFlags.NonPublic | BindingFlags.Instance)!
                .MakeGenericMethod(answer).Invoke(this, [result]);
        }

        private async Task<T> LoseAsync<T>(Task<T> call)
        {
            await call;
            await beforeLosing();
            throw new TimeoutException($"the answer to {method} was lost on its way (a test's {nameof(LostAnswers)})");
        }
    }

    /// <summary>The manager's proxy (DispatchProxy needs a non-sealed class with a parameterless constructor).</summary>
    public class ManagerProxy : DispatchProxy
    {
        private IManagerGrain _inner = null!;
        private ManagerLosingOne _owner = null!;

        internal void Init(IManagerGrain inner, object owner) => (_inner, _owner) = (inner, (ManagerLosingOne)owner);

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => _owner.Invoke(_inner, targetMethod!, args);
    }
}
