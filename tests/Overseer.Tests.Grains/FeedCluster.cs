using Overseer.Testing;

namespace Overseer.Tests.Grains;

/// <summary>The in-process cluster plus a real reference event source process (real HTTP, real WebSockets).</summary>
public class FeedCluster : IAsyncLifetime
{
    public FeedCluster()
        : this(new OverseerCluster())
    {
    }

    /// <summary>For fixtures that need the cluster configured otherwise (silo count, pool).</summary>
    protected FeedCluster(OverseerCluster overseer) => Overseer = overseer;

    public OverseerCluster Overseer { get; }

    public ReferenceSourceProcess Source { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Source = ReferenceSourceProcess.Start(rate: 100, heartbeatMs: 200);
        await Task.WhenAll(Source.WaitReadyAsync(TimeSpan.FromSeconds(60)), Overseer.InitializeAsync());
    }

    public async Task DisposeAsync()
    {
        await Overseer.DisposeAsync();
        await Source.DisposeAsync();
    }
}
