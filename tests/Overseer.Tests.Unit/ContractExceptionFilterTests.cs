using System.Reflection;
using Microsoft.Extensions.Logging;
using Orleans.Persistence.Redis;
using Orleans.Runtime;
using Orleans.Serialization.Invocation;
using Orleans.Storage;
using Overseer.Errors;

namespace Overseer.Tests.Unit;

/// <summary>The silo's call filter applies <see cref="ContractFaults"/> to calls of the contract's interfaces, and only to those.</summary>
public sealed class ContractExceptionFilterTests
{
    private static readonly MethodInfo GetInfo = typeof(IWorkerGrain).GetMethod(nameof(IWorkerGrain.GetInfoAsync))!;
    private static readonly MethodInfo NotOurs = typeof(IRemindable).GetMethod(nameof(IRemindable.ReceiveReminder), [typeof(string), typeof(TickStatus)])!;

    private readonly CapturingLogger<ContractExceptionFilter> logger = new();

    [Fact]
    public async Task Invoke_ContractMethodFailingOnAStoreOutage_ThrowsUnavailableAndLogsWhatItReplaced()
    {
        var filter = new ContractExceptionFilter(logger);
        var outage = new RedisStorageException("Failed to read grain state for worker with ID worker/w-1 and storage key k. StackExchange.Redis.RedisTimeoutException: Timeout awaiting response (outbound=0KiB)");

        var thrown = await Assert.ThrowsAsync<OverseerException>(() => filter.Invoke(new FailingCall(GetInfo, outage)));

        Assert.Equal(OverseerErrorCode.Unavailable, thrown.Code);
        Assert.Equal("Redis is unavailable: Timeout awaiting response", thrown.Message);
        var (level, message) = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, level);
        Assert.Equal("Overseer.IWorkerGrain.GetInfoAsync of worker/w-1 failed with RedisStorageException; the caller gets: Redis is unavailable: Timeout awaiting response", message);
    }

    [Fact]
    public async Task Invoke_ContractMethodFailingWithABug_ThrowsInternalAndLogsAnError()
    {
        var filter = new ContractExceptionFilter(logger);

        var thrown = await Assert.ThrowsAsync<OverseerException>(() => filter.Invoke(new FailingCall(GetInfo, new InvalidOperationException("Sequence contains no elements"))));

        Assert.Equal(OverseerErrorCode.Internal, thrown.Code);
        Assert.EndsWith("InvalidOperationException: Sequence contains no elements", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(LogLevel.Error, Assert.Single(logger.Entries).Level);
    }

    [Fact]
    public async Task Invoke_RefusalOrAnotherInterfacesMethod_PassesTheExceptionAsItIs()
    {
        var filter = new ContractExceptionFilter(logger);
        var refusal = OverseerException.Unknown("w-1");
        var runtimes = new InvalidOperationException("not ours");

        Assert.Same(refusal, await Assert.ThrowsAsync<OverseerException>(() => filter.Invoke(new FailingCall(GetInfo, refusal))));
        Assert.Same(runtimes, await Assert.ThrowsAsync<InvalidOperationException>(() => filter.Invoke(new FailingCall(NotOurs, runtimes))));
        Assert.Empty(logger.Entries);
    }

    [Fact]
    public async Task Invoke_EtagConflictEscapingTheGrain_DeactivatesItAsTheRuntimeWould()
    {
        var filter = new ContractExceptionFilter(logger);
        var call = new FailingCall(GetInfo, new InconsistentStateException("Version conflict"));

        var thrown = await Assert.ThrowsAsync<OverseerException>(() => filter.Invoke(call));

        Assert.Equal(OverseerErrorCode.Internal, thrown.Code);
        var deactivation = Assert.Single(((RecordingGrainContext)call.TargetContext).Deactivations);
        Assert.Equal(DeactivationReasonCode.ApplicationError, deactivation.ReasonCode);
    }

    /// <summary>A command whose state write found the worker owned by another activation after its own fenced step: the
    /// caller reads "taken over", retryable, not an internal error, and the activation goes.</summary>
    [Fact]
    public async Task Invoke_CommandFindingTheWorkerTakenOver_ThrowsUnavailableSayingSo_AndDeactivates()
    {
        var filter = new ContractExceptionFilter(logger);
        var call = new FailingCall(GetInfo, new Workers.StaleActivationException("w-1", 7, 8));

        var thrown = await Assert.ThrowsAsync<OverseerException>(() => filter.Invoke(call));

        Assert.Equal(OverseerErrorCode.Unavailable, thrown.Code);
        Assert.Equal(
            "worker 'w-1' was taken over by another activation while this command was under way (this silo was paused or cut off): "
            + "its first step may have been done, the rest was not; see 'overseer status w-1' before retrying",
            thrown.Message);
        var deactivation = Assert.Single(((RecordingGrainContext)call.TargetContext).Deactivations);
        Assert.Equal(DeactivationReasonCode.ApplicationError, deactivation.ReasonCode);
    }

    /// <summary>A call of <c>worker/w-1</c> whose grain method fails (asynchronously, as Orleans' invoker does).</summary>
    private sealed class FailingCall(MethodInfo method, Exception failure) : IIncomingGrainCallContext
    {
        public IInvokable Request => throw new NotSupportedException();

        public object Grain => throw new NotSupportedException();

        public GrainId? SourceId => null;

        public GrainId TargetId { get; } = GrainId.Create("worker", "w-1");

        public GrainInterfaceType InterfaceType => throw new NotSupportedException();

        public string InterfaceName => $"{method.DeclaringType!.FullName}";

        public string MethodName => method.Name;

        public MethodInfo InterfaceMethod => method;

        public object? Result { get; set; }

        public Response? Response { get; set; }

        public IGrainContext TargetContext { get; } = DispatchProxy.Create<IGrainContext, RecordingGrainContext>();

        public MethodInfo ImplementationMethod => method;

        public async Task Invoke()
        {
            await Task.Yield();
            throw failure;
        }
    }

    /// <summary>An <see cref="IGrainContext"/> that records deactivations and supports nothing else.</summary>
    public class RecordingGrainContext : DispatchProxy
    {
        public List<DeactivationReason> Deactivations { get; } = [];

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name == nameof(IGrainContext.Deactivate) && args?[0] is DeactivationReason reason)
            {
                Deactivations.Add(reason);
                return null;
            }

            throw new NotSupportedException(targetMethod?.Name);
        }
    }
}
