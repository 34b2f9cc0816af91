namespace Overseer.ReferenceSource.Wire;

/// <summary>The answer of <c>GET /feeds/{feed}</c>: <c>{"feed":"orders","head":N,"rate":R}</c>.</summary>
internal sealed record FeedInfo(string Feed, long Head, int Rate);
