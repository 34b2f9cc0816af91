using Overseer.Testing;

namespace Overseer.Tests.ReferenceSource;

/// <summary>
/// One reference source process per test class (classes run in parallel, each on its own port), fast enough that
/// tests see hundreds of events in about a second: 500 events/s per feed, heartbeat 100 ms.
/// </summary>
public sealed class SourceFixture : IAsyncLifetime
{
    public const int Rate = 500;
    public const int HeartbeatMs = 100;

    private ReferenceSourceProcess? source;

    public ReferenceSourceProcess Source => source ?? throw new InvalidOperationException("The fixture has not been initialised.");

    /// <summary>A client for the tests' own requests, with room for <c>http-slow</c>'s 5 s.</summary>
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public async Task InitializeAsync()
    {
        source = ReferenceSourceProcess.Start(Rate, heartbeatMs: HeartbeatMs);
        Http.BaseAddress = source.BaseAddress;
        await source.WaitReadyAsync(TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (source is not null)
        {
            await source.DisposeAsync();
        }
    }
}
