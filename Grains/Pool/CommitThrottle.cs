using Microsoft.Extensions.Options;
using Overseer.Hosting;

namespace Overseer.Pool;

/// <summary>This silo's commit permits (<see cref="PoolOptions.MaxConcurrentCommitsPerSilo"/>): a batch waits, first come
/// first served, for one of a bounded number of commits in flight, so the silo's one Redis connection never queues more
/// than that many scripts, however many workers commit at once. A cap of 0 costs nothing.</summary>
/// <remarks>Waiting happens before anything is sent, so a wait cancelled by a stop or a move leaves nothing behind.</remarks>
internal sealed class CommitThrottle(IOptions<PoolOptions> options)
{
    private readonly FairGate? _gate = options.Value.MaxConcurrentCommitsPerSilo > 0 ? new FairGate(options.Value.MaxConcurrentCommitsPerSilo) : null;

    /// <summary>Commits holding a permit now.</summary>
    internal int InFlight => _gate?.InUse ?? 0;

    /// <summary>Commits waiting for a permit now.</summary>
    internal int Waiting => _gate?.Waiting ?? 0;

    /// <summary>Waits for a commit permit; dispose the result to give it back.</summary>
    internal async ValueTask<Permit> EnterAsync(CancellationToken cancellationToken)
    {
        if (_gate is not null)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return new Permit(_gate);
    }

    /// <summary>One commit's permit.</summary>
    internal readonly struct Permit(FairGate? gate) : IDisposable
    {
        public void Dispose() => gate?.Release();
    }
}
