using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Overseer.Hosting;

namespace Overseer.Registry;

/// <summary>References to the workers and partitions of this silo's service, resolved once: Orleans'
/// <c>GetGrain&lt;T&gt;(key)</c> looks up the interface's grain type through its attributes on every call (reflection:
/// about 3 % of a start's CPU and 6 % of its allocations, measured), which a start, a report and a poke each paid.</summary>
/// <remarks>A silo singleton; grain references are immutable and may be shared by every activation.</remarks>
internal sealed class OverseerGrains
{
    private readonly IGrainFactory _factory;
    private readonly GrainType _workerType;
    private readonly GrainInterfaceType _workerInterface;
    private readonly IPartitionGrain[] _partitions;

    /// <summary>Created by DI in the silo; not for use outside Overseer.</summary>
    public OverseerGrains(IGrainFactory factory, IOptions<OverseerOptions> overseer)
    {
        _factory = factory;
        var probe = (GrainReference)(object)factory.GetGrain<IWorkerGrain>("-");
        _workerType = probe.GrainId.Type;
        _workerInterface = probe.InterfaceType;
        _partitions = [.. Enumerable.Range(0, overseer.Value.Partitions).Select(p => factory.GetGrain<IPartitionGrain>(p))];
    }

    /// <summary>The number of partitions (P).</summary>
    internal int PartitionCount => _partitions.Length;

    /// <summary>Every partition, 0..P-1.</summary>
    internal IReadOnlyList<IPartitionGrain> Partitions => _partitions;

    internal IWorkerGrain Worker(string id) => (IWorkerGrain)_factory.GetGrain(GrainId.Create(_workerType, id), _workerInterface);

    internal IPartitionGrain Partition(int partition) => _partitions[partition];

    /// <summary>The partition that owns <paramref name="workerId"/>'s registry row and supervision.</summary>
    internal IPartitionGrain PartitionOf(string workerId) => _partitions[WorkerPartitioner.PartitionOf(workerId, _partitions.Length)];
}
