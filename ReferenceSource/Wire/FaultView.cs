namespace Overseer.ReferenceSource.Wire;

/// <summary>An active fault: <c>{"mode":"ws-drop","feed":null,"until":"…"}</c>; a null feed means every feed.</summary>
internal sealed record FaultView(string Mode, string? Feed, DateTime Until);
