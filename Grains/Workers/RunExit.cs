namespace Overseer.Workers;

/// <summary>How one run of a worker ended, as <see cref="WorkerRun"/> saw it.</summary>
internal enum RunExit
{
    /// <summary>The source is exhausted.</summary>
    Completed,
    /// <summary>The source threw, or a commit was refused for breaking the cursor contract: the supervisor decides.</summary>
    Crashed,
    /// <summary>Another activation owns the cursor now, or the worker was stopped: this activation must go.</summary>
    Fenced,
    /// <summary>The pool lease expired and no slot is free: the worker waits as Pending.</summary>
    SlotLost,
    /// <summary>Cancelled by a stop, a move or a deactivation: not an exit of the worker.</summary>
    Cancelled,
    /// <summary>Redis lost commits this run made: the supervisor resumes from the stored cursor. Not an exit of the worker.</summary>
    StoreBehind,
    /// <summary>The store holds commits this run does not know of (<see cref="Outputs.CommitOutcome.StoreAhead"/>): the
    /// supervisor resumes from the stored cursor. Not an exit of the worker.</summary>
    StoreAhead,
    /// <summary>The handler failed on an event (not an outage) and the poison policy is halt, the cursor holds effects of
    /// another handler version, or the source cannot go on (<see cref="Sources.SourceHaltException"/>);
    /// <see cref="WorkerRun.Halt"/> says where and why: the worker halts, with no restart counted.</summary>
    Halted,
}
