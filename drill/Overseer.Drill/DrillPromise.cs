namespace Overseer.Drill;

/// <summary>The promises a drill checks, in the order of the report.</summary>
internal enum DrillPromise
{
    /// <summary>Every worker's output holds each seq once and in order, with no gap.</summary>
    ExactlyOnce,

    /// <summary>No stopped worker moved after its stop returned.</summary>
    StopsHold,

    /// <summary>Every worker that should run does run.</summary>
    ShouldRunRuns,

    /// <summary>The pool cap was never exceeded (sampled throughout), no slot leaked, and none was lost without a fault
    /// that explains it.</summary>
    PoolCap,

    /// <summary>The registry agrees with the workers within two heartbeats.</summary>
    RegistryTruth,

    /// <summary>Restarts count crashes only: none for a worker that never crashes, whatever the outages.</summary>
    RestartsCountCrashes,

    /// <summary>A deleted and re-started id began at 1.</summary>
    DeleteStartsOver,

    /// <summary>The CLI answered (exit 0, a refusal, or exit 3 "unreachable") throughout.</summary>
    CliAnswers,

    /// <summary>Every operator action got an answer while two silos were up, and the audit stream holds each delete and rewind.</summary>
    OperatorActions,
}
