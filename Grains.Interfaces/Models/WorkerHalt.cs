namespace Overseer.Models;

/// <summary>Why and where a worker halted: what <c>status</c> shows of a <see cref="WorkerStatus.Halted"/> worker.</summary>
/// <param name="Reason">What halted it.</param>
/// <param name="Seq">The event it halted at (a poison event), or its checkpoint (a handler version change).</param>
/// <param name="Payload">The poison event's payload; null for a version change.</param>
/// <param name="ErrorType">The handler's exception type, e.g. <c>System.FormatException</c>.</param>
/// <param name="Error">The error, as a sentence.</param>
/// <param name="Attempts">How many times the handler failed on the event.</param>
/// <param name="At">When it halted.</param>
/// <param name="CommittedVersion">A version change: the handler version the worker's effects were committed with.</param>
/// <param name="HandlerVersion">A version change: the version of the handler on the silo that halted it.</param>
[GenerateSerializer, Immutable, Alias("overseer.WorkerHalt")]
public sealed record WorkerHalt(
    [property: Id(0)] HaltReason Reason,
    [property: Id(1)] long Seq,
    [property: Id(2)] string? Payload,
    [property: Id(3)] string ErrorType,
    [property: Id(4)] string Error,
    [property: Id(5)] int Attempts,
    [property: Id(6)] DateTimeOffset At,
    [property: Id(7)] int? CommittedVersion = null,
    [property: Id(8)] int? HandlerVersion = null);
