namespace Overseer.Sources;

/// <summary>What a source factory knows about the worker it creates a source for.</summary>
/// <param name="WorkerId">The worker's id.</param>
/// <param name="Options">The spec's validated options.</param>
/// <param name="ResumeToken">The source token committed with the checkpoint the run resumes from (e.g. the last block's
/// hash), or null when none was ever committed. Opaque to everything but the source.</param>
public sealed record SourceContext(string WorkerId, IReadOnlyDictionary<string, string> Options, string? ResumeToken = null);
