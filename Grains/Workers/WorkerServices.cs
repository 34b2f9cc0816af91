using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Overseer.Diagnostics;
using Overseer.Hosting;
using Overseer.Pool;
using Overseer.Registry;
using Overseer.Outputs;
using Overseer.Redis;
using Overseer.Sources;

namespace Overseer.Workers;

/// <summary>The silo-wide services every worker activation uses, injected into <see cref="WorkerGrain"/> as one
/// constructor parameter (a singleton: nothing here is per worker).</summary>
internal sealed class WorkerServices(
    OutputCatalog outputs,
    SourceCatalog sources,
    OverseerGrains grains,
    StoreRetry retry,
    RetryingSlotPool slots,
    CommitThrottle commits,
    OverseerInstruments instruments,
    IOptions<SupervisionOptions> supervision,
    IOptions<OverseerOptions> overseer,
    IOptions<PoolOptions> pool,
    ILocalSiloDetails silo,
    TimeProvider time,
    HeartbeatSweep heartbeats,
    Sources.Streams.StreamFollowers followers,
    Operations.AuditLog audit,
    PaceClock pace,
    [FromKeyedServices(StorageNames.Workers)] Orleans.Storage.IGrainStorage storage)
{
    /// <summary>The grain storage worker states are kept in (<see cref="StoredWorkerState"/>).</summary>
    public Orleans.Storage.IGrainStorage Storage => storage;

    /// <summary>The silo's clock for the waits of paced sources (one timer for every idle worker's wait).</summary>
    public PaceClock Pace => pace;

    /// <summary>The audit stream, where a rolled-back reorg is recorded.</summary>
    public Operations.AuditLog Audit => audit;

    /// <summary>Each worker's output and handler, by its spec.</summary>
    public OutputCatalog Outputs => outputs;

    public SourceCatalog Sources => sources;

    /// <summary>Worker and partition references, resolved once.</summary>
    public OverseerGrains Grains => grains;

    public StoreRetry Retry => retry;

    /// <summary>The pool, with store outages ridden out.</summary>
    public RetryingSlotPool Slots => slots;

    public CommitThrottle Commits => commits;

    public OverseerInstruments Instruments => instruments;

    public SupervisionOptions Supervision => supervision.Value;

    public OverseerOptions Overseer => overseer.Value;

    public PoolOptions Pool => pool.Value;

    public ILocalSiloDetails Silo => silo;

    /// <summary>This silo's endpoint as workers report it (<see cref="Models.WorkerInfo.Silo"/>), formatted once.</summary>
    public string SiloEndpoint { get; } = silo.SiloAddress.Endpoint.ToString();

    public TimeProvider Time => time;

    public HeartbeatSweep Heartbeats => heartbeats;

    /// <summary>The followers sets of <c>stream</c> workers' upstreams.</summary>
    public Sources.Streams.StreamFollowers Followers => followers;
}
