namespace Overseer.Sources;

/// <summary>Marks a registered source kind, so the catalog can list the valid names.</summary>
public sealed record SourceKind(string Name);
