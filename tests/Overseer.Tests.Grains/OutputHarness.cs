using Overseer.Outputs;
using Overseer.Sources;

namespace Overseer.Tests.Grains;

/// <summary>An output under test, with its cursor store and the binding its batches carry, and a way to read back what
/// it committed (the stream's events, or the rows a test handler wrote).</summary>
internal sealed class OutputHarness(IWorkerOutput output, WorkerBinding binding, Func<string, Task<long[]>> seqs, bool countsEffects)
{
    public IWorkerOutput Output => output;

    public WorkerBinding Binding => binding;

    /// <summary>Whether rewind and delete report how many events they removed.</summary>
    public bool CountsEffects => countsEffects;

    public Task<long[]> SeqsAsync(string id) => seqs(id);

    public Task<WorkerCursor> ClaimAsync(string id, bool start, CancellationToken ct) => output.Cursors.ClaimAsync(id, start, ct);

    public Task<WorkerCursor?> CreateAsync(string id, CancellationToken ct) => output.Cursors.CreateAsync(id, knownGeneration: null, ct);

    public async Task<WorkerCursor> StopAsync(string id, CancellationToken ct) =>
        await output.Cursors.StopAsync(id, knownGeneration: null, ct) ?? throw new InvalidOperationException($"a stop of '{id}' that knows every generation was refused");

    /// <summary>A start's claim by an activation that has seen generations up to <paramref name="known"/>: null when refused.</summary>
    public Task<WorkerCursor?> StartKnowingAsync(string id, long known, CancellationToken ct) => output.Cursors.ClaimAsync(id, start: true, acceptVersion: null, known, ct);

    /// <summary>A new worker's create by an activation that has seen generations up to <paramref name="known"/>: null when refused.</summary>
    public Task<WorkerCursor?> CreateKnowingAsync(string id, long known, CancellationToken ct) => output.Cursors.CreateAsync(id, known, ct);

    /// <summary>A stop by an activation that has seen generations up to <paramref name="known"/>: null when refused.</summary>
    public Task<WorkerCursor?> StopKnowingAsync(string id, long known, CancellationToken ct) => output.Cursors.StopAsync(id, known, ct);

    public Task<WorkerCursor> GetCursorAsync(string id, CancellationToken ct) => output.Cursors.GetAsync(id, ct);

    public Task<CommitResult> CommitAsync(string id, CommitBatch batch, CancellationToken ct) => output.CommitAsync(id, batch, ct);

    public Task<long?> RewindAsync(string id, long generation, long toSeq, string? token, CancellationToken ct) =>
        output.RewindAsync(id, binding, generation, toSeq, token, ct);

    public Task<RollbackResult> RollBackAsync(string id, long generation, long checkpoint, long toSeq, string? token, CancellationToken ct) =>
        output.RollBackAsync(id, new CommitRollback(generation, checkpoint, toSeq, token, binding), ct);

    public Task<long?> DeleteAsync(string id, bool keepEvents, CancellationToken ct) => output.DeleteAsync(id, binding, generation: null, keepEvents, ct);

    /// <summary>A delete by the stopper of <paramref name="generation"/>.</summary>
    public Task<long?> DeleteAsync(string id, long generation, bool keepEvents, CancellationToken ct) => output.DeleteAsync(id, binding, generation, keepEvents, ct);

    public Task<(long Effects, bool HasCursor)> InspectAsync(string id, CancellationToken ct) => output.InspectAsync(id, ct);

    public Task<IReadOnlyList<SourceEvent>> ReadAsync(string id, long from, int count, CancellationToken ct) => output.ReadAsync(id, from, count, ct);
}
