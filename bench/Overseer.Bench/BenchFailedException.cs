namespace Overseer.Bench;

/// <summary>The cluster did not do what the bench expects (a call failed, a worker ended in the wrong state, a
/// deadline passed); the message names the phase, the workers and expected vs actual.</summary>
internal sealed class BenchFailedException(string message, Exception? innerException = null)
    : Exception(message, innerException);
