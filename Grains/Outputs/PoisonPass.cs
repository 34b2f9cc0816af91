namespace Overseer.Outputs;

/// <summary>A commit that passes one poison event without running its handler (<see cref="CommitBatch.Pass"/>): fenced and
/// committed exactly like a batch, so the skip itself is exactly once; with <paramref name="DeadLetter"/>, the event is kept
/// as a dead letter in the same transaction.</summary>
/// <param name="DeadLetter">Keep the event as a dead letter (policy dead-letter), or only pass it (policy skip, or an
/// operator's <c>skip</c>).</param>
/// <param name="ErrorType">The handler's exception type.</param>
/// <param name="Error">The handler's message.</param>
/// <param name="Attempts">How many times the handler failed on the event.</param>
internal sealed record PoisonPass(bool DeadLetter, string ErrorType, string Error, int Attempts);
