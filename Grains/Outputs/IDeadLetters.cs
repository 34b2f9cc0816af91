using Overseer.Models;

namespace Overseer.Outputs;

/// <summary>The dead letters an output keeps (<see cref="IWorkerOutput.DeadLetters"/>; only the PostgreSQL output has
/// them): listed, replayed through the worker's handler once, or discarded.</summary>
internal interface IDeadLetters
{
    /// <summary>Runs <paramref name="binding"/>'s handler on <paramref name="workerId"/>'s dead letter
    /// <paramref name="seq"/> and removes it, in one transaction ordered among the worker's commits (it locks the cursor
    /// row they advance), so its effects apply once. Refused with an <see cref="Errors.OverseerException"/> when there is
    /// no such dead letter; a handler that fails again leaves it in place with one more attempt, and throws
    /// <see cref="Handlers.HandlerFailedException"/>.</summary>
    Task<DeadLetter> ReplayAsync(string workerId, WorkerBinding binding, long seq, CancellationToken cancellationToken);

    /// <summary>Records a failed replay's attempt and error on the dead letter.</summary>
    Task RecordFailureAsync(string workerId, long seq, string errorType, string error, CancellationToken cancellationToken);

    /// <summary>Removes a dead letter without replaying it; false when there is none.</summary>
    Task<bool> DiscardAsync(string workerId, long seq, CancellationToken cancellationToken);

    /// <summary>How many dead letters the worker holds.</summary>
    Task<long> CountAsync(string workerId, CancellationToken cancellationToken);

    /// <summary>A page of dead letters (of one worker, or all), by worker then seq, after <paramref name="after"/>.</summary>
    Task<DeadLetterPage> ListAsync(string? workerId, DeadLetterPosition? after, int limit, CancellationToken cancellationToken);
}
