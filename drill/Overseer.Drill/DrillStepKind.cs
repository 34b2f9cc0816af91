namespace Overseer.Drill;

/// <summary>A fault or an operator action on the drill's schedule.</summary>
internal enum DrillStepKind
{
    /// <summary>kill -9 of a silo process.</summary>
    KillSilo,

    /// <summary>SIGTERM of a silo process (graceful shutdown).</summary>
    TerminateSilo,

    /// <summary>A new silo process joins.</summary>
    JoinSilo,

    /// <summary>SIGSTOP of a silo for longer than the slot lease (<see cref="DrillStep.Argument"/> ms), then SIGCONT.</summary>
    FreezeSilo,

    /// <summary>Redis stopped (SIGTERM: AOF flushed), down for <see cref="DrillStep.Argument"/> ms, and started again on
    /// the same port and data.</summary>
    RestartRedis,

    /// <summary><c>CLIENT PAUSE</c> <see cref="DrillStep.Argument"/> ms <c>WRITE</c>.</summary>
    PauseRedisWrites,

    /// <summary><c>DEBUG SLEEP</c> <see cref="DrillStep.Argument"/> ms: Redis answers nothing meanwhile.</summary>
    SleepRedis,

    /// <summary>PostgreSQL killed with SIGKILL, down for <see cref="DrillStep.Argument"/> ms, and started again.</summary>
    CrashPostgres,

    /// <summary>A reference-feed fault on every feed (<see cref="DrillStep.Target"/>: ws-drop, ws-stall, http-500) for
    /// <see cref="DrillStep.Argument"/> s.</summary>
    FeedFault,

    /// <summary><c>anvil_reorg</c> of <see cref="DrillStep.Argument"/> blocks.</summary>
    Reorg,

    /// <summary>Operator: stop a worker.</summary>
    Stop,

    /// <summary>Operator: resume a stopped worker.</summary>
    Resume,

    /// <summary>Operator: rewind a worker to half its checkpoint.</summary>
    Rewind,

    /// <summary>Operator: delete a worker, then start the same id with the same spec.</summary>
    DeleteAndRestart,
}
