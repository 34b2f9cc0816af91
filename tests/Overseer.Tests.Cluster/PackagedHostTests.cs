using System.Diagnostics;
using System.Globalization;
using System.Text;
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

    private static readonly string[] PackedProjects =
    [
        Path.Combine("Grains.Interfaces", "Grains.Interfaces.csproj"),
        Path.Combine("Grains", "Grains.csproj"),
        Path.Combine("Silo", "Hosting", "Overseer.Hosting.csproj"),
        Path.Combine("Client", "Overseer.Client", "Overseer.Client.csproj"),
    ];

    private static readonly string[] PackageIds = ["overseer.grains.interfaces", "overseer.grains", "overseer.hosting", "overseer.client"];

    [Fact]
    public async Task OwnHost_FromPackages_RunsItsOwnSourceKindToCompletion()
    {
        // A version no earlier run used, so the global packages folder never serves a stale copy.
        var version = string.Create(CultureInfo.InvariantCulture, $"0.1.0-t{DateTime.UtcNow:yyyyMMddHHmmssfff}");
        var work = Directory.CreateTempSubdirectory("overseer-packaged-host-").FullName;
        try
        {
            // Arrange: pack the four packages (already built alongside the tests) into a folder feed, and build a host
            // that references only Overseer.Hosting from it.
            var feed = Path.Combine(work, "feed");
            foreach (var project in PackedProjects)
            {
                await DotnetAsync(
                    ["pack", Path.Combine(RepoPaths.Root, project), "-c", RepoPaths.Configuration, "--no-build", "--disable-build-servers", "-o", feed, $"-p:Version={version}"],
                    RepoPaths.Root, TimeSpan.FromMinutes(2), $"packing {project} as {version}");
            }

            var hostDir = Path.Combine(work, "host");
            WriteHostProject(hostDir, feed, version);
            await DotnetAsync(["build", "-c", "Release", "--disable-build-servers", "-nologo"], hostDir, TimeSpan.FromMinutes(4),
                $"restoring and building the packaged host against Overseer.Hosting {version}");
            var hostDll = Path.Combine(hostDir, "bin", "Release", "net10.0", "CountdownHost.dll");
            Assert.True(File.Exists(hostDll), $"the build did not produce {hostDll}");

            await using var redis = await RedisServer.StartNewAsync();
            var clusterId = $"pkg-{Guid.NewGuid():N}";
            var serviceId = $"svc-{Guid.NewGuid():N}";
            await using var silo = SiloProcess.Start(new SiloProcessOptions
            {
                HostDll = hostDll,
                Name = "packaged-host",
                RedisConnectionString = redis.ConnectionString,
                ClusterId = clusterId,
                ServiceId = serviceId,
            });
            await silo.WaitReadyAsync(TimeSpan.FromSeconds(90));

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
        finally
        {
            DeleteCachedPackages(version);
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The team's project: its own csproj (only Overseer.Hosting), nuget.config (the local feed besides the
    /// machine's sources), the two-line Program.cs, and a source kind of its own.</summary>
    private static void WriteHostProject(string dir, string feed, string version)
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
                <PackageReference Include="Overseer.Hosting" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        // No <clear/>: the machine's own sources stay, the local feed is added.
        File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="overseer-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
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

    /// <summary>Runs <c>dotnet</c> to completion within <paramref name="timeout"/>; a failure or a timeout names
    /// <paramref name="what"/> and shows the output's tail.</summary>
    private static async Task DotnetAsync(IReadOnlyList<string> args, string workingDirectory, TimeSpan timeout, string what)
    {
        var start = new ProcessStartInfo(FindDotnet())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The test host's MSBuild settings must not steer a separate build.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start dotnet for {what}");
        var output = new StringBuilder();
        var stdout = PumpAsync(process.StandardOutput, output);
        var stderr = PumpAsync(process.StandardError, output);
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{what}: dotnet {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s. Output tail:{Environment.NewLine}{Tail(output)}");
        }

        await Task.WhenAll(stdout, stderr);
        Assert.True(process.ExitCode == 0, $"{what}: dotnet {string.Join(' ', args)} exited with {process.ExitCode}. Output tail:{Environment.NewLine}{Tail(output)}");
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder into)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (into)
            {
                into.AppendLine(line);
            }
        }
    }

    private static string Tail(StringBuilder output)
    {
        lock (output)
        {
            var lines = output.ToString().Split('\n');
            return string.Join('\n', lines.TakeLast(40));
        }
    }

    private static string FindDotnet()
    {
        var hostPath = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(hostPath) && File.Exists(hostPath) ? hostPath : "dotnet";
    }

    /// <summary>Removes this run's version of each package from the global packages folder, and a package's folder
    /// when that leaves it empty (nothing else).</summary>
    private static void DeleteCachedPackages(string version)
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in PackageIds)
        {
            var dir = Path.Combine(root, id, version.ToLowerInvariant());
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }

            var idDir = Path.Combine(root, id);
            if (Directory.Exists(idDir) && !Directory.EnumerateFileSystemEntries(idDir).Any())
            {
                Directory.Delete(idDir);
            }
        }
    }
}
