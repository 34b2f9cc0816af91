using Overseer.Models;
using Overseer.Supervision;

namespace Overseer.Registry;

/// <summary>One row of a partition's registry: the worker's last snapshot (<see cref="Info"/>), whether it wants to run,
/// and when it was registered; persisted in Redis as JSON (<see cref="RegistryStore"/>). Immutable: a change is a new row.</summary>
/// <remarks>Compact, for partitions holding a million rows: the fields the partition reads of every row (status, silo,
/// checkpoint, version, …) are held inline, those most rows never set (an error, a halt, a poison policy, a handler,
/// reorgs, dead letters, a pending restart) in one side object only a row that sets one of them has, and the
/// <see cref="WorkerInfo"/> a view or the store needs is built when asked for. About 120 bytes a row instead of 240
/// (the row and its snapshot), for each of 100,000 idle workers.</remarks>
internal sealed class RegistryEntry
{
    private readonly Uncommon? _uncommon;

    /// <summary>The row of <paramref name="Info"/>.</summary>
    public RegistryEntry(WorkerInfo Info, bool WantsRun, DateTimeOffset RegisteredAt)
    {
        Id = Info.Id;
        Status = Info.Status;
        Checkpoint = Info.Checkpoint;
        Restarts = Info.Restarts;
        Silo = Info.Silo;
        Source = Info.Source;
        Restart = Info.Restart;
        UpdatedAt = Info.UpdatedAt;
        Failovers = Info.Failovers;
        Head = Info.Head;
        Version = Info.Version;
        _uncommon = Uncommon.Of(Info);
        this.WantsRun = WantsRun;
        this.RegisteredAt = RegisteredAt;
    }

    public string Id { get; }

    public WorkerStatus Status { get; }

    public long Checkpoint { get; }

    public int Restarts { get; }

    public string? Silo { get; }

    public string Source { get; }

    public RestartPolicy Restart { get; }

    public DateTimeOffset UpdatedAt { get; }

    public int Failovers { get; }

    public long? Head { get; }

    /// <summary>The worker's report version (<see cref="WorkerInfo.Version"/>): a row never goes back to an older one.</summary>
    public long Version { get; }

    public DateTimeOffset? NextRestartAt => _uncommon?.NextRestartAt;

    public bool WantsRun { get; }

    public DateTimeOffset RegisteredAt { get; }

    /// <summary>Whether the supervisor should keep this worker running (restore, stall and silo-loss checks):
    /// <see cref="RunRule.ShouldRun"/>.</summary>
    public bool ShouldRun => RunRule.ShouldRun(WantsRun, Status);

    /// <summary>The worker's snapshot as it was reported, built anew on each call (views, the store).</summary>
    public WorkerInfo Info => new()
    {
        Id = Id,
        Status = Status,
        Checkpoint = Checkpoint,
        Restarts = Restarts,
        Silo = Silo,
        Source = Source,
        Restart = Restart,
        UpdatedAt = UpdatedAt,
        Failovers = Failovers,
        Head = Head,
        Version = Version,
        LastError = _uncommon?.LastError,
        NextRestartAt = _uncommon?.NextRestartAt,
        Handler = _uncommon?.Handler,
        EventHandler = _uncommon?.EventHandler,
        Halt = _uncommon?.Halt,
        Poison = _uncommon?.Poison,
        DeadLetters = _uncommon?.DeadLetters ?? 0,
        Reorgs = _uncommon?.Reorgs ?? 0,
        LastReorg = _uncommon?.LastReorg,
    };

    /// <summary>The same row with <paramref name="source"/> (an equal string) as its source kind: rows read back share
    /// one string per kind.</summary>
    public RegistryEntry WithSource(string source) => new(Info with { Source = source }, WantsRun, RegisteredAt);

    /// <summary>What most rows leave unset; null when all of it is.</summary>
    private sealed record Uncommon(
        string? LastError,
        DateTimeOffset? NextRestartAt,
        string? Handler,
        string? EventHandler,
        WorkerHalt? Halt,
        PoisonPolicy? Poison,
        long DeadLetters,
        int Reorgs,
        string? LastReorg)
    {
        public static Uncommon? Of(WorkerInfo info) =>
            info is { LastError: null, NextRestartAt: null, Handler: null, EventHandler: null, Halt: null, Poison: null, DeadLetters: 0, Reorgs: 0, LastReorg: null }
                ? null
                : new(info.LastError, info.NextRestartAt, info.Handler, info.EventHandler, info.Halt, info.Poison, info.DeadLetters, info.Reorgs, info.LastReorg);
    }
}
