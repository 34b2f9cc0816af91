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
/// says so.</remarks>
internal sealed partial class RequestDeadlineFilter(TimeProvider time, ILogger<RequestDeadlineFilter> logger) : IIncomingGrainCallFilter
{
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
}
