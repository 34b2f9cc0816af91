using Overseer.Errors;
using Overseer.Handlers;
using Overseer.Models;
using Overseer.Pool;

namespace Overseer.Workers;

/// <summary>Handler versions (<see cref="HandlerVersions"/>): the operator's accept, and a version halt that ends by itself
/// once the worker is activated on a silo whose handler has the version its effects were committed with.</summary>
internal sealed partial class WorkerGrain
{
    public async Task<AcceptResult> AcceptAsync(CancellationToken cancellationToken = default)
    {
        await EnsureCurrentAsync();
        EnsureExists();
        if (HandlerVersions.WhyNotAccept(Id, S.Status, S.Halt) is { } why)
        {
            throw OverseerException.Conflict(why);
        }

        var from = S.Halt!.CommittedVersion;
        var version = _loop.Ownership.Binding.Handler?.Version
            ?? throw OverseerException.Conflict($"worker '{Id}' has no handler on this silo, so there is no handler version to accept");
        await StartFreshAsync(StartMode.Queue, spec: null, acceptVersion: version);
        return new AcceptResult(Info(), from, version);
    }

    /// <summary>A worker halted on a version change by a silo of another version (a rolling deploy) runs when it is
    /// activated on a silo whose handler has the version its effects were committed with: as a resume, fenced like one.
    /// Nothing to decide for the operator there, so it does not wait for one.</summary>
    private void ResumeIfHandlerVersionMatches()
    {
        if (S.Status != WorkerStatus.Halted || !S.WantsRun || S.Halt is not { Reason: HaltReason.HandlerVersion })
        {
            return;
        }

        int? current;
        try
        {
            current = _loop.Ownership.Binding.Handler?.Version;
        }
        catch (OverseerException)
        {
            // Its handler is not registered on this silo: it waits for one that has it.
            return;
        }

        if (HandlerVersions.RunsHere(S.Halt, current))
        {
            Log.ResumingOnVersion(logger, Id, current!.Value);
            ((IWorkerHost)this).Post(async () => await ResumeAsync());
        }
    }
}
