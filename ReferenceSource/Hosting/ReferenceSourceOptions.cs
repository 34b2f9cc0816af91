namespace Overseer.ReferenceSource.Hosting;

/// <summary>The reference source's settings, from its command line (see <see cref="ReferenceSourceCommandLine"/>).</summary>
internal sealed class ReferenceSourceOptions
{
    public const int DefaultRate = 50;
    public const int MaxRate = 100_000;
    public const string DefaultUrls = "http://127.0.0.1:5080";
    public const int DefaultHeartbeatMs = 500;
    public const int MinHeartbeatMs = 10;
    public const int MaxHeartbeatMs = 60_000;

    /// <summary>Events per second produced by every feed (<c>--rate</c>); default 50, 1..100000.</summary>
    public int Rate { get; set; } = DefaultRate;

    /// <summary>Where to listen (<c>--urls</c>), ';'-separated; default <c>http://127.0.0.1:5080</c>, loopback only.</summary>
    public string Urls { get; set; } = DefaultUrls;

    /// <summary>
    /// How long a WebSocket with nothing to send stays silent before it sends a heartbeat (<c>--heartbeat-ms</c>);
    /// default 500, 10..60000.
    /// </summary>
    public int HeartbeatMs { get; set; } = DefaultHeartbeatMs;

    public TimeSpan Heartbeat => TimeSpan.FromMilliseconds(HeartbeatMs);

    /// <summary>
    /// When every feed's seq 0 happened (<c>--epoch</c>, Unix seconds); null = each feed starts at its first use.
    /// With an epoch, a restarted server serves the same heads as before, as a real event source would.
    /// </summary>
    public DateTimeOffset? Epoch { get; set; }
}
