using Orleans.Storage;

namespace Overseer.Workers;

/// <summary>One worker activation's state and its ETag, read and written through the worker grain storage
/// (<see cref="StorageNames.Workers"/>: Orleans' Redis grain storage, speaking the contract), in the same keys and format as
/// Orleans' <c>[PersistentState]</c> would: states written before are read as they are, and the other way round.</summary>
/// <remarks>
/// Why not <c>[PersistentState]</c>: its bridge is four objects per activation (the bridge, a separate grain-state object,
/// and the lifecycle and migration registrations it needs to read before activation and carry the state over a move),
/// about 370 bytes for each of 100,000 idle workers. This is one object: the worker grain reads it at the start of its
/// activation (what the bridge did one lifecycle stage earlier), and an activation that arrives by a move reads it from
/// Redis instead of receiving it with the move (one read per move, taken after the old activation's last write).
/// <para>Every write still goes through <see cref="WorkerStateWriter"/> (the ETag rule); this class only does the I/O.
/// Failures are the storage's: already the contract's (<see cref="Errors.ContractGrainStorage"/>), or an ETag conflict
/// (<see cref="InconsistentStateException"/>).</para>
/// </remarks>
internal sealed class StoredWorkerState(IGrainStorage storage, IGrainContext grain) : IPersistentState<WorkerState>, IGrainState<WorkerState>
{
    /// <summary>The name the state has always been stored under (part of its key, after the grain id).</summary>
    private const string StateName = "worker";

    /// <summary>How long a read or write vouches that this activation has seen every write of the worker: far below the
    /// time it takes to declare a silo dead and activate its workers elsewhere (seconds at the least), so an activation
    /// whose silo was frozen meanwhile (the monotonic clock runs on through a SIGSTOP) always reads again.</summary>
    internal static readonly TimeSpan FreshFor = TimeSpan.FromMilliseconds(250);

    private long _confirmedAt = long.MinValue / 2;

    /// <summary>The ETag, when it is a GUID in the form the Redis grain storage writes (32 lower-case hex digits): held
    /// as 16 bytes instead of an 88-byte string for each of 100,000 idle workers.</summary>
    private Guid _etagId;

    /// <summary>Any other ETag, as it is.</summary>
    private string? _etagText;

    public WorkerState State { get; set; } = new();

    /// <summary>The ETag of the state this activation last read or wrote; null when there is none.</summary>
    public string? Etag => _etagText ?? (_etagId == Guid.Empty ? null : _etagId.ToString("N"));

    public bool RecordExists { get; private set; }

    [System.Diagnostics.CodeAnalysis.AllowNull]
    WorkerState IGrainState<WorkerState>.State { get => State; set => State = value ?? new(); }

    string? IGrainState<WorkerState>.ETag { get => Etag; set => SetEtag(value); }

    bool IGrainState<WorkerState>.RecordExists { get => RecordExists; set => RecordExists = value; }

    /// <summary>Whether the ETag held was read or written less than <see cref="FreshFor"/> ago: no other activation of the
    /// worker can have written since (see <see cref="WorkerStateWriter.IsCurrentAsync"/>). Timed from when the read or
    /// write was sent, not answered: what the store answered is as old as the request, and a silo frozen while the answer
    /// was on its way wakes to an answer from before the freeze.</summary>
    public bool IsFresh => Environment.TickCount64 - _confirmedAt < FreshFor.TotalMilliseconds;

    private void SetEtag(string? etag)
    {
        if (etag is { Length: 32 } && Guid.TryParseExact(etag, "N", out var id) && id != Guid.Empty && string.Equals(id.ToString("N"), etag, StringComparison.Ordinal))
        {
            (_etagId, _etagText) = (id, null);
        }
        else
        {
            (_etagId, _etagText) = (Guid.Empty, etag);
        }
    }

    public Task ReadStateAsync() => ReadStateAsync(CancellationToken.None);

    public async Task ReadStateAsync(CancellationToken cancellationToken)
    {
        var sent = Environment.TickCount64;
        await storage.ReadStateAsync(StateName, grain.GrainId, this, cancellationToken);
        _confirmedAt = sent;
    }

    public Task WriteStateAsync() => WriteStateAsync(CancellationToken.None);

    public async Task WriteStateAsync(CancellationToken cancellationToken)
    {
        var sent = Environment.TickCount64;
        await storage.WriteStateAsync(StateName, grain.GrainId, this, cancellationToken);
        _confirmedAt = sent;
    }

    public Task ClearStateAsync() => ClearStateAsync(CancellationToken.None);

    public async Task ClearStateAsync(CancellationToken cancellationToken)
    {
        await storage.ClearStateAsync(StateName, grain.GrainId, this, cancellationToken);
        State = new WorkerState();
    }
}
