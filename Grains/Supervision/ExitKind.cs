namespace Overseer.Supervision;

/// <summary>How a worker's run ended.</summary>
internal enum ExitKind
{
    /// <summary>The source threw, or a commit failed.</summary>
    Crash = 0,
    /// <summary>The source is exhausted.</summary>
    Completed = 1,
}
