namespace Overseer.ReferenceSource.Faults;

/// <summary>What an injected fault does; names on the wire are in <see cref="FaultModes"/>.</summary>
internal enum FaultMode
{
    /// <summary><c>ws-drop</c>: open WebSockets are aborted (no close handshake) and new ones refused with 503.</summary>
    WsDrop = 1,

    /// <summary><c>ws-stall</c>: WebSockets, open and new, stay open but receive nothing at all, not even heartbeats.</summary>
    WsStall = 2,

    /// <summary><c>http-500</c>: <c>GET /feeds/{feed}/events</c> answers 500.</summary>
    Http500 = 3,

    /// <summary><c>http-slow</c>: <c>GET /feeds/{feed}/events</c> answers after 5 s.</summary>
    HttpSlow = 4,
}
