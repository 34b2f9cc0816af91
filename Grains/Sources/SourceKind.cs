namespace Overseer.Sources;

/// <summary>Marks a registered source kind, so the catalog can list the valid names.</summary>
internal sealed record SourceKind(string Name);
