using Overseer.Models;
using Overseer.Pool;
using Overseer.Outputs;
using Overseer.Sources;

namespace Overseer.Workers;

/// <summary>One run of a worker: a fresh source from the cursor, then fetch and commit until the source is exhausted,
/// throws, or the run is cancelled, fenced or loses its slot.</summary>
/// <remarks>Runs on the activation's scheduler (no <c>ConfigureAwait(false)</c>), so the grain reads
/// <see cref="Checkpoint"/> and <see cref="Handler"/> between its turns without locks. Every commit carries the
/// generation, the lease and the density, and the sink refuses it atomically if any no longer holds; a transient Redis
/// failure is retried through the shared pipeline (an outage, never a crash). A commit waits for one of the silo's
/// commit permits (<see cref="CommitThrottle"/>) first.</remarks>
internal sealed class WorkerRun(
    string workerId,
    WorkerSpec spec,
    IEventSourceFactory factory,
    long generation,
    WorkerCursor cursor,
    WorkerBinding binding,
    SlotLease lease,
    CommitThrottle commits,
    RunTelemetry telemetry,
    IRunProgress progress)
{
    /// <summary>The last committed sequence number.</summary>
    public long Checkpoint { get; private set; } = cursor.Checkpoint;

    /// <summary>The source token committed with <see cref="Checkpoint"/>.</summary>
    public string? Token { get; private set; } = cursor.Token;

    /// <summary>The source's status (handler, failovers, head), if it reports one.</summary>
    public ISourceHandlerStatus? Handler { get; private set; }

    /// <summary>Why the run crashed, when it did.</summary>
    public string? Error { get; private set; }

    public async Task<RunExit> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var source = factory.Create(new SourceContext(workerId, spec.Options, Token));
            Handler = source as ISourceHandlerStatus;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var span = telemetry.StartBatch(workerId, spec.Source);
                var batch = await telemetry.FetchAsync(source, Checkpoint, cancellationToken);
                if (batch.Events.Count > 0 && await CommitAsync(batch, source.Density ?? factory.Density, cancellationToken) is { } ended)
                {
                    return ended;
                }

                progress.Progressed(this);

                if (batch.Exhausted)
                {
                    return RunExit.Completed;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped, moved or deactivating: whatever was committed stays committed.
            return RunExit.Cancelled;
        }
        catch (Exception ex)
        {
            Error = ex.Message;
            return RunExit.Crashed;
        }
    }

    /// <summary>Commits one batch; null when committed, else how the run ends.</summary>
    private async Task<RunExit?> CommitAsync(SourceBatch batch, SequenceDensity density, CancellationToken cancellationToken)
    {
        while (true)
        {
            var expected = Checkpoint;
            var request = new CommitBatch(generation, expected, batch.Events, density, batch.Token, lease.CommitLease, binding);

            // One commit is never abandoned halfway (Redis' own timeout bounds it); only the wait for a permit and the
            // retries are cancellable.
            CommitResult result;
            using (await commits.EnterAsync(cancellationToken))
            {
                result = await telemetry.CommitAsync(spec.Source, expected, batch.Events.Count, () =>
                    binding.Output.CommitAsync(workerId, request, cancellationToken));
            }

            switch (result.Outcome)
            {
                case CommitOutcome.Committed:
                    Checkpoint = result.Checkpoint;
                    Token = batch.Token ?? Token;
                    return null;
                case CommitOutcome.Fenced:
                    return RunExit.Fenced;
                case CommitOutcome.StoreBehind:
                    return RunExit.StoreBehind;
                default:
                    // The lease ran out (a pause longer than SlotLease): hold a slot again before this batch may land.
                    if (!await lease.RenewAsync(workerId, cancellationToken))
                    {
                        return RunExit.SlotLost;
                    }

                    break;
            }
        }
    }
}
