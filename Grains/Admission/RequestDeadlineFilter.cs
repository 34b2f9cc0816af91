using Microsoft.Extensions.Logging;
using Overseer.Errors;

namespace Overseer.Admission;

/// <summary>Refuses a call of the manager or of a worker that arrives after its caller's deadline
/// (<see cref="RequestDeadline"/>) and <see cref="SkewAllowance"/> more: its caller gave up on it and may have retried,
/// so carrying it out could repeat a command after the operator's next one (a stop after a resume, a delete after the
/// worker was started again). Such a call waited in a frozen silo's socket, or was sent on by a silo that had been
/// declared dead (neither of which a filter on the frozen silo sees). The worker's own calls go on without the deadline:
/// a command that began in time is not cut short halfway.</summary>
/// <remarks>The deadline is the caller's clock, the check this silo's: a client whose clock runs more than
/// <see cref="SkewAllowance"/> plus its response timeout behind the cluster's has every call refused, with a message that
/// says so. The manager's call on to a worker gets a deadline of its own, <see cref="HopBudget"/> from when it is sent
/// (never later than the client's): the manager is told at once when the silo it sent the call to is declared dead,
/// and the client retries, while the call itself may still reach the worker seconds later, sent on by that silo when it
/// wakes (drill seed 208: a delete carried out a second time, five seconds late, on the worker started again).</remarks>
internal sealed partial class RequestDeadlineFilter(TimeProvider time, ILogger<RequestDeadlineFilter> logger)
    : IIncomingGrainCallFilter, IOutgoingGrainCallFilter
{
    /// <summary>How long a manager's call to a worker may take to reach it (queued behind the worker's previous command
    /// included) before <see cref="SkewAllowance"/>; a call refused for it is retried by the client.</summary>
    public static readonly TimeSpan HopBudget = TimeSpan.FromSeconds(1);

    /// <summary>How far the caller's clock may be ahead of this silo's.</summary>
    public static readonly TimeSpan SkewAllowance = TimeSpan.FromSeconds(2);

    public Task Invoke(IIncomingGrainCallContext context)
    {
        var type = context.InterfaceMethod.DeclaringType;
        if ((type != typeof(IManagerGrain) && type != typeof(IWorkerGrain)) || RequestDeadline.Current is not { } deadline)
        {
            return context.Invoke();
        }

        var late = time.GetUtcNow() - deadline;
        if (late > SkewAllowance)
        {
            Log.Late(logger, context.InterfaceName, context.MethodName, context.TargetId.ToString(), late.TotalSeconds);
            throw OverseerException.Unavailable(
                $"the request {context.MethodName} to {context.TargetId} arrived {late.TotalSeconds:0.0} s after its caller's deadline: its caller gave up on it, so nothing was done "
                + "(if this answer is read, the caller's clock is behind the cluster's by more than its response timeout plus 2 s)");
        }

        if (type == typeof(IWorkerGrain))
        {
            RequestDeadline.Clear();
        }

        return context.Invoke();
    }

    /// <summary>A call to a worker that carries a deadline (the manager's) is given <see cref="HopBudget"/> from now.
    /// Every other outgoing call (most of them: reports, the registry, the runtime's own) passes without a frame.</summary>
    public Task Invoke(IOutgoingGrainCallContext context) =>
        context.InterfaceMethod.DeclaringType == typeof(IWorkerGrain) && RequestDeadline.Current is { } deadline
            ? InvokeWithHopAsync(context, deadline)
            : context.Invoke();

    // Async, so that the tighter deadline is this call's only, not the rest of the caller's.
    private async Task InvokeWithHopAsync(IOutgoingGrainCallContext context, DateTimeOffset deadline)
    {
        var hop = time.GetUtcNow() + HopBudget;
        RequestDeadline.Set(hop < deadline ? hop : deadline);
        await context.Invoke();
    }
}
