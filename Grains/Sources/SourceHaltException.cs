using Overseer.Models;

namespace Overseer.Sources;

/// <summary>Thrown by a source (<see cref="IEventSource.FetchAsync"/>) that finds it must not go on, and that running it
/// again cannot change: e.g. the chain no longer holds the block last committed and the source cannot undo it. The worker
/// halts at once at its checkpoint (<see cref="Models.WorkerStatus.Halted"/>, with <see cref="Reason"/> and this message
/// in <c>status</c>), with no restart counted and its slot given back; only the operator moves it on (<c>rewind</c>, then
/// <c>resume</c>). Any other exception is a crash, which the supervisor restarts within the restart intensity; an outage
/// to wait out is <see cref="Feeds.FeedUnavailableException"/>.</summary>
/// <remarks>Not sealed: a source derives its own to carry what it knows (<see cref="Evm.EvmReorgException"/>).</remarks>
public class SourceHaltException(HaltReason reason, string message) : Exception(message)
{
    /// <summary>Why the worker halts, as <c>status</c> shows it.</summary>
    public HaltReason Reason => reason;
}
