using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Overseer.Client;
using Overseer.Errors;
using Overseer.Models;
using Overseer.Testing;

namespace Overseer.Tests.Cluster;

/// <summary>
/// "Your code, your database": a team's own silo host, outside this solution, built against the packed packages
/// (not project references), with its own source kind — what a user sees is what the packages expose.
/// </summary>
public sealed class PackagedHostTests
{
    private const string CountdownEnd = "40";

    [Fact]
    public async Task OwnHost_FromPackages_RunsItsOwnSourceKindToCompletion()
    {
        // Arrange: pack the four packages (already built alongside the tests) into a folder feed, and build a host that
        // references only Overseer.Hosting from it.
        using var packaged = await PackagedOverseer.PackAsync("packaged-host");
        var hostDir = Path.Combine(packaged.WorkDirectory, "host");
        WriteHostProject(hostDir, packaged);
        var hostDll = await packaged.BuildAsync(hostDir, "CountdownHost");

        await using var redis = await RedisServer.StartNewAsync();
        var clusterId = $"pkg-{Guid.NewGuid():N}";
        var serviceId = $"svc-{Guid.NewGuid():N}";
        await using var silo = await SiloProcess.StartReadyAsync(new SiloProcessOptions
        {
            HostDll = hostDll,
            Name = "packaged-host",
            RedisConnectionString = redis.ConnectionString,
            ClusterId = clusterId,
            ServiceId = serviceId,
        }, TimeSpan.FromSeconds(90));

        using var clientHost = await ConnectAsync(redis.ConnectionString, clusterId, serviceId);
        var overseer = clientHost.Services.GetRequiredService<OverseerClient>();
        var id = $"countdown-{Guid.NewGuid():N}";

        // Act
        await overseer.StartAsync(id, WorkerSpec.For("countdown", ("to", CountdownEnd)));
        var unknown = await Assert.ThrowsAsync<OverseerException>(
            () => overseer.StartAsync($"unknown-{Guid.NewGuid():N}", WorkerSpec.For("no-such-kind")));

        // Assert
        var done = await Eventually.UntilAsync(
            () => overseer.GetStatusAsync(id),
            w => w.Status == WorkerStatus.Completed,
            TimeSpan.FromSeconds(60),
            w => $"worker {id} of the packaged host's countdown source: expected completed at checkpoint {CountdownEnd}, was {w.Status} at {w.Checkpoint} (last error: {w.LastError}); log tail:{Environment.NewLine}{silo.ReadLogTail()}");
        Assert.Equal(long.Parse(CountdownEnd, CultureInfo.InvariantCulture), done.Checkpoint);
        Assert.Equal(0, done.Restarts);
        Assert.Equal(OverseerErrorCode.InvalidArgument, unknown.Code);
        Assert.Contains("unknown source kind 'no-such-kind'", unknown.Message);
        Assert.Contains("countdown", unknown.Message);
    }

    /// <summary>The team's project: its own csproj (only Overseer.Hosting), nuget.config (the local feed besides the
    /// machine's sources), the two-line Program.cs, and a source kind of its own.</summary>
    private static void WriteHostProject(string dir, PackagedOverseer packaged)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "CountdownHost.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <!-- Offline-friendly: no vulnerability lookup; every dependency comes from the local feed or the global packages folder. -->
                <NuGetAudit>false</NuGetAudit>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Overseer.Hosting" Version="{packaged.Version}" />
              </ItemGroup>
            </Project>
            """);
        packaged.WriteNuGetConfig(dir);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), """
            using Microsoft.Extensions.Options;
            using Overseer.Hosting;

            try
            {
                var builder = WebApplication.CreateBuilder(args);
                builder.AddOverseer(o => o.AddSource<CountdownFactory>("countdown"));
                var app = builder.Build();
                app.MapOverseer();
                await app.RunAsync();
                return 0;
            }
            catch (Exception ex) when (ex is SiloConfigurationException or OptionsValidationException)
            {
                await Console.Error.WriteLineAsync($"error: {ex.Message}");
                return 1;
            }
            """);
        File.WriteAllText(Path.Combine(dir, "Countdown.cs"), """
            using System.Globalization;
            using Overseer.Sources;

            /// <summary>Events 1..to, ten at a time, then exhausted.</summary>
            internal sealed class CountdownFactory : IEventSourceFactory
            {
                public SequenceDensity Density => SequenceDensity.Dense;

                public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) =>
                    options.TryGetValue("to", out var to) && long.TryParse(to, CultureInfo.InvariantCulture, out var n) && n > 0
                        ? []
                        : [$"countdown: option 'to' must be a positive number, was '{(options.TryGetValue("to", out var v) ? v : "missing")}'"];

                public IEventSource Create(SourceContext context) =>
                    new CountdownSource(context.WorkerId, long.Parse(context.Options["to"], CultureInfo.InvariantCulture));
            }

            internal sealed class CountdownSource(string workerId, long to) : IEventSource
            {
                public Task<SourceBatch> FetchAsync(long after, CancellationToken cancellationToken)
                {
                    if (after >= to)
                    {
                        return Task.FromResult(SourceBatch.Done);
                    }

                    var events = new List<SourceEvent>();
                    for (var seq = after + 1; seq <= Math.Min(after + 10, to); seq++)
                    {
                        events.Add(new SourceEvent(seq, $"{workerId}#{seq}"));
                    }

                    return Task.FromResult(new SourceBatch(events, Exhausted: false));
                }

                public ValueTask DisposeAsync() => ValueTask.CompletedTask;
            }
            """);
    }

    private static async Task<IHost> ConnectAsync(string redis, string clusterId, string serviceId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = redis,
            ["Orleans:ClusterId"] = clusterId,
            ["Orleans:ServiceId"] = serviceId,
            ["Overseer:Client:ConnectTimeout"] = "00:00:30",
        });
        builder.AddOverseerClient();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
