using Microsoft.Extensions.Options;
using Overseer.Hosting;

namespace Overseer.Pool;

/// <summary>This silo's commit permits (<see cref="PoolOptions.MaxConcurrentCommitsPerSilo"/>): a batch waits, first come
/// first served, for one of a bounded number of commits in flight, so the silo's one Redis connection never queues more
/// than that many scripts, however many workers commit at once. A cap of 0 costs nothing.</summary>
/// <remarks>Waiting happens before anything is sent, so a wait cancelled by a stop or a move leaves nothing behind.
/// <para>A run's first commit waits in the lane served first (<see cref="FairGate"/>): it is what a restored, restarted
/// or new worker is waiting for to be running again, and behind it there would otherwise be the next batches of every
/// worker already running, which each come back for another permit as soon as they fetch. So a silo restoring thousands
/// of workers brings each back before it runs the others' next batches (the restored workers' commits do not starve the
/// rest of the restore), and a start or a restart after a crash does not wait behind a busy silo's batches. Each run has
/// one first commit, so the common lane waits at most for the runs that begin meanwhile.</para></remarks>
internal sealed class CommitThrottle(IOptions<PoolOptions> options)
{
    private readonly FairGate? _gate = options.Value.MaxConcurrentCommitsPerSilo > 0 ? new FairGate(options.Value.MaxConcurrentCommitsPerSilo) : null;

    /// <summary>Commits holding a permit now.</summary>
    internal int InFlight => _gate?.InUse ?? 0;

    /// <summary>Commits waiting for a permit now.</summary>
    internal int Waiting => _gate?.Waiting ?? 0;

    /// <summary>Waits for a commit permit, ahead of the other commits if it is a run's <paramref name="first"/>; dispose
    /// the result to give it back.</summary>
    internal async ValueTask<Permit> EnterAsync(bool first, CancellationToken cancellationToken)
    {
        if (_gate is not null)
        {
            await _gate.WaitAsync(first, cancellationToken).ConfigureAwait(false);
        }

        return new Permit(_gate);
    }

    /// <summary>One commit's permit.</summary>
    internal readonly struct Permit(FairGate? gate) : IDisposable
    {
        public void Dispose() => gate?.Release();
    }
}
