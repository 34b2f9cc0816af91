using Overseer.Models;
using Overseer.Outputs;

namespace Overseer.Workers;

/// <summary>One activation's hold on its worker's cursor: the binding to the output that keeps it, the generation this
/// activation owns, the cursor as the last run or command left it, and the newest generation it has seen.</summary>
/// <remarks>
/// Invariants: the activation owns a generation only after the cursor store granted it (a claim before the first run, a
/// create, or a stop, start or resume, each of which takes a new one); that generation fences every older activation's
/// commits and state writes, and ranks this one's reports. <see cref="Generation"/> is 0 until then. Once
/// <see cref="IsFenced"/> (another activation or a stop took the cursor over) the activation neither runs nor writes,
/// until a command of its own owns a new generation. The seen generation only grows. Every cursor call goes through the
/// bound output's retrying cursor store, so an outage is waited out, never a failure.
/// </remarks>
internal sealed class CursorOwnership(string id, IPersistentState<WorkerState> state, OutputCatalog outputs)
{
    private WorkerBinding? _binding;
    private long _seenGeneration;

    /// <summary>The worker's output and handler, bound from its spec once (and again when a start brings a new spec).</summary>
    public WorkerBinding Binding => _binding ??= outputs.Bind(state.State.Spec);

    /// <summary>The generation this activation owns; 0 before its first claim.</summary>
    public long Generation { get; private set; }

    /// <summary>The cursor as the last run, claim or command of this activation left it.</summary>
    public WorkerCursor Cursor { get; private set; }

    /// <summary>Another activation owns the cursor: this one must neither run nor write.</summary>
    public bool IsFenced { get; private set; }

    /// <summary>The high part of report versions: the newest generation this activation knows of.</summary>
    public long VersionGeneration => Math.Max(_seenGeneration, state.State.Generation);

    /// <summary>Binds the worker to the output of a new <paramref name="spec"/> (a start with a spec).</summary>
    public void Rebind(WorkerSpec spec) => _binding = outputs.Bind(spec);

    /// <summary>A new worker's start: creates its cursor and owns it. Null (nothing owned) when the id still holds effects
    /// of an earlier worker, or when the cursor holds a generation this activation has not seen
    /// (<see cref="VersionGeneration"/>).</summary>
    public async Task<WorkerCursor?> CreateAsync(CancellationToken cancellationToken) =>
        OwnIfAny(await Binding.Cursors.CreateAsync(id, VersionGeneration, cancellationToken));

    /// <summary>A known worker's start, resume or accept (<paramref name="acceptVersion"/>: the handler version to record in
    /// the same step): claims a new generation, clearing a stop, and owns it; unless the cursor holds a generation this
    /// activation has not seen (<see cref="VersionGeneration"/>), when nothing changes and nothing is owned (null).</summary>
    public async Task<WorkerCursor?> StartAsync(int? acceptVersion, CancellationToken cancellationToken) =>
        OwnIfAny(await Binding.Cursors.ClaimAsync(id, start: true, acceptVersion, VersionGeneration, cancellationToken));

    /// <summary>Before this activation's first run: claims a new generation, unless the worker was stopped meanwhile (its
    /// state was read before the stop was written), which is returned with <see cref="WorkerCursor.Stopped"/> and owned
    /// by no one here.</summary>
    public async Task<WorkerCursor> ClaimAsync(CancellationToken cancellationToken)
    {
        var claimed = await Binding.Cursors.ClaimAsync(id, start: false, cancellationToken);
        if (claimed.Stopped)
        {
            SeeGeneration(claimed.Generation);
        }
        else
        {
            Own(claimed);
        }

        return claimed;
    }

    /// <summary>Records the stop in the same store step that bumps the generation (fencing every activation anywhere) and
    /// owns the new generation; unless the cursor holds a generation this activation has not seen
    /// (<see cref="VersionGeneration"/>), when nothing changes and nothing is owned (null).</summary>
    public async Task<WorkerCursor?> StopAsync(CancellationToken cancellationToken) =>
        OwnIfAny(await Binding.Cursors.StopAsync(id, VersionGeneration, cancellationToken));

    /// <summary>A generation read from the store that this activation may take as seen: only once it has made sure that
    /// no other activation has written the worker since (<see cref="WorkerCommands"/>' fence).</summary>
    public void See(long generation) => SeeGeneration(generation);

    /// <summary>The stored cursor if this activation still owns it (and it is not stopped), else null. Taken as the truth:
    /// the store may be behind what the last run committed (it lost acknowledged writes).</summary>
    public async Task<WorkerCursor?> ReloadAsync(CancellationToken cancellationToken)
    {
        var stored = await Binding.Cursors.GetAsync(id, cancellationToken);
        if (stored.Generation != Generation || stored.Stopped)
        {
            return null;
        }

        Cursor = stored;
        return stored;
    }

    /// <summary>The cursor moved under this activation's generation, with the handler version it held (a commit without
    /// one, such as an operator's skip, leaves it as it was).</summary>
    public void Moved(long checkpoint, string? token) => Moved(checkpoint, token, Cursor.HandlerVersion);

    /// <summary>The cursor moved under this activation's generation (a run committed, or a rewind moved it back), and holds
    /// effects of <paramref name="handlerVersion"/> (null: none recorded).</summary>
    public void Moved(long checkpoint, string? token, int? handlerVersion) =>
        Cursor = Cursor with { Checkpoint = checkpoint, Token = token, HandlerVersion = handlerVersion };

    /// <summary>Another activation owns the cursor now (or the worker was stopped under this one).</summary>
    public void Fence() => IsFenced = true;

    private WorkerCursor? OwnIfAny(WorkerCursor? cursor)
    {
        if (cursor is { } owned)
        {
            Own(owned);
        }

        return cursor;
    }

    private void Own(WorkerCursor cursor)
    {
        Generation = cursor.Generation;
        Cursor = cursor;
        IsFenced = false;
        SeeGeneration(cursor.Generation);
    }

    private void SeeGeneration(long generation) => _seenGeneration = Math.Max(_seenGeneration, generation);
}
