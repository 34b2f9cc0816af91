using System.Diagnostics;
using System.Globalization;
using System.Text;
using Overseer.Testing;

namespace Overseer.Tests.Cluster;

/// <summary>
/// The four Overseer packages packed (from the build beside the tests) at a version no earlier run used, into a temp
/// folder feed, and <c>dotnet build</c> of hosts outside this solution against them: what a user sees is what the
/// packages expose. Dispose deletes the temp directory and this version from the global packages folder.
/// </summary>
public sealed class PackagedOverseer : IDisposable
{
    private static readonly string[] PackedProjects =
    [
        Path.Combine("Grains.Interfaces", "Grains.Interfaces.csproj"),
        Path.Combine("Grains", "Grains.csproj"),
        Path.Combine("Silo", "Hosting", "Overseer.Hosting.csproj"),
        Path.Combine("Client", "Overseer.Client", "Overseer.Client.csproj"),
    ];

    private static readonly string[] PackageIds = ["overseer.grains.interfaces", "overseer.grains", "overseer.hosting", "overseer.client"];

    // Test classes run in parallel, and two packs of one project at once would race on its obj/ (the generated nuspec).
    private static readonly SemaphoreSlim PackOneAtATime = new(1, 1);

    private PackagedOverseer(string version, string workDirectory)
    {
        Version = version;
        WorkDirectory = workDirectory;
    }

    /// <summary>The packages' version, e.g. <c>0.1.0-t20250101120000123</c>.</summary>
    public string Version { get; }

    /// <summary>The temp directory holding the feed and the hosts' projects.</summary>
    public string WorkDirectory { get; }

    /// <summary>The folder feed holding the four packages.</summary>
    public string Feed => Path.Combine(WorkDirectory, "feed");

    /// <summary>Packs the four packages into a new temp feed.</summary>
    public static async Task<PackagedOverseer> PackAsync(string label)
    {
        // A version no earlier run used, so the global packages folder never serves a stale copy.
        var version = string.Create(CultureInfo.InvariantCulture, $"0.1.0-t{DateTime.UtcNow:yyyyMMddHHmmssfff}");
        var packaged = new PackagedOverseer(version, Directory.CreateTempSubdirectory($"overseer-{label}-").FullName);
        await PackOneAtATime.WaitAsync();
        try
        {
            foreach (var project in PackedProjects)
            {
                await DotnetAsync(
                    ["pack", Path.Combine(RepoPaths.Root, project), "-c", RepoPaths.Configuration, "--no-build", "--disable-build-servers", "-o", packaged.Feed, $"-p:Version={version}"],
                    RepoPaths.Root, TimeSpan.FromMinutes(2), $"packing {project} as {version}");
            }

            return packaged;
        }
        catch
        {
            packaged.Dispose();
            throw;
        }
        finally
        {
            PackOneAtATime.Release();
        }
    }

    /// <summary>Writes a <c>nuget.config</c> into <paramref name="projectDirectory"/> that adds the feed beside the
    /// machine's own sources (no <c>&lt;clear/&gt;</c>: the packages' dependencies come from there).</summary>
    public void WriteNuGetConfig(string projectDirectory) =>
        File.WriteAllText(Path.Combine(projectDirectory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="overseer-local" value="{Feed}" />
              </packageSources>
            </configuration>
            """);

    /// <summary>Copies a directory of the repository (without <c>bin</c> and <c>obj</c>) into the work directory and
    /// points its <c>nuget.config</c> at the feed; the copy's path.</summary>
    public string CopyFromRepository(string relativePath)
    {
        var source = Path.Combine(RepoPaths.Root, relativePath);
        var target = Path.Combine(WorkDirectory, Path.GetFileName(relativePath));
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            var top = relative.Split(Path.DirectorySeparatorChar)[0];
            if (top is "bin" or "obj")
            {
                continue;
            }

            var destination = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        WriteNuGetConfig(target);
        return target;
    }

    /// <summary>Restores and builds the project in <paramref name="projectDirectory"/> (Release) and returns
    /// <c>bin/Release/net10.0/{assemblyName}.dll</c>.</summary>
    /// <param name="projectDirectory">Holds the one project file and its nuget.config.</param>
    /// <param name="assemblyName">The assembly the build must produce.</param>
    /// <param name="properties">More MSBuild properties, <c>name=value</c>.</param>
    public async Task<string> BuildAsync(string projectDirectory, string assemblyName, params string[] properties)
    {
        await DotnetAsync(
            ["build", "-c", "Release", "--disable-build-servers", "-nologo", .. properties.Select(p => $"-p:{p}")],
            projectDirectory, TimeSpan.FromMinutes(4), $"restoring and building {assemblyName} against the Overseer packages {Version}");
        var dll = Path.Combine(projectDirectory, "bin", "Release", "net10.0", assemblyName + ".dll");
        Assert.True(File.Exists(dll), $"the build of {projectDirectory} did not produce {dll}");
        return dll;
    }

    public void Dispose()
    {
        DeleteCachedPackages(Version);
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover temp directory is harmless; failing the test over it would hide its real result.
        }
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

    /// <summary>Removes this version of each package from the global packages folder, and a package's folder when that
    /// leaves it empty (nothing else).</summary>
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
