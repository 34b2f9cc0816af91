namespace Overseer.Sources;

/// <summary>What a source factory knows about the worker it creates a source for.</summary>
public sealed record SourceContext(string WorkerId, IReadOnlyDictionary<string, string> Options);
