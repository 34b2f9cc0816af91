namespace Overseer.Handlers;

/// <summary>Marks a registered handler, so the catalog can list the valid names and knows each one's output.</summary>
internal sealed record HandlerKind(string Name, HandlerOutput Output);
