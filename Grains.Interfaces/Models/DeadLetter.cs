namespace Overseer.Models;

/// <summary>A poison event a worker passed with policy dead-letter, kept for an operator to replay or discard.</summary>
/// <param name="WorkerId">The worker that passed it.</param>
/// <param name="Handler">The handler that failed on it.</param>
/// <param name="HandlerVersion">That handler's version (<c>IEventHandler.Version</c>) at the time.</param>
/// <param name="Seq">The event's sequence number.</param>
/// <param name="Payload">The event's payload, as the source returned it.</param>
/// <param name="ErrorType">The handler's exception type.</param>
/// <param name="Error">The handler's message.</param>
/// <param name="Attempts">How many times the handler failed on it (a failed replay adds one).</param>
/// <param name="Generation">The cursor generation of the run that passed it.</param>
/// <param name="At">When it was dead-lettered.</param>
[GenerateSerializer, Immutable, Alias("overseer.DeadLetter")]
public sealed record DeadLetter(
    [property: Id(0)] string WorkerId,
    [property: Id(1)] string Handler,
    [property: Id(2)] int HandlerVersion,
    [property: Id(3)] long Seq,
    [property: Id(4)] string Payload,
    [property: Id(5)] string ErrorType,
    [property: Id(6)] string Error,
    [property: Id(7)] int Attempts,
    [property: Id(8)] long Generation,
    [property: Id(9)] DateTimeOffset At);
