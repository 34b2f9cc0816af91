using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Overseer.ReferenceSource.Diagnostics;
using Overseer.ReferenceSource.Faults;
using Overseer.ReferenceSource.Feeds;
using Overseer.ReferenceSource.Streaming;

namespace Overseer.ReferenceSource.Hosting;

/// <summary>Composes the reference source: command line, logging, services and endpoints.</summary>
internal static partial class ReferenceSourceExtensions
{
    /// <exception cref="CommandLineException">The command line is invalid; the message names the argument.</exception>
    public static WebApplicationBuilder AddReferenceSource(this WebApplicationBuilder builder, IReadOnlyList<string> args)
    {
        var options = ReferenceSourceCommandLine.Parse(args); // validated eagerly: a bad value stops start-up
        builder.WebHost.UseUrls(options.Urls);

        // One line per request would drown the few lines that matter (start-up, faults).
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });

        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<FeedRegistry>();
        builder.Services.AddSingleton<FaultBoard>();
        builder.Services.AddSingleton<SourceStats>();
        return builder;
    }

    public static WebApplication MapReferenceSource(this WebApplication app)
    {
        // No keep-alive pings: under ws-stall a socket must receive nothing at all. Heartbeats find dead peers.
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.UseMiddleware<RequestCountingMiddleware>();

        app.MapGet("/health", () => Results.Text("ok"));
        app.MapFeeds();
        app.MapFeedStream();
        app.MapFaults();
        app.MapStats();

        var options = app.Services.GetRequiredService<IOptions<ReferenceSourceOptions>>().Value;
        app.Lifetime.ApplicationStarted.Register(() => Log.Started(app.Logger, options.Urls, options.Rate, options.HeartbeatMs));
        return app;
    }
}
