namespace Overseer.Bench.CrashRestart;

/// <summary>One crash → first commit of the next run, in milliseconds.</summary>
/// <param name="FromExit">From the start of the crash's <c>overseer.exit</c> span (opened as the run ends, before the decision's state write).</param>
/// <param name="FromThrow">From the end of the fetch span that threw (the crash itself); null if that span was not seen.</param>
internal readonly record struct CrashCommitSample(double FromExit, double? FromThrow);
