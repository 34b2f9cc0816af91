using System.Diagnostics;
using Overseer.Testing;

namespace Overseer.Tests.Cluster;

/// <summary>Runs a .NET program of this repo to completion and captures what it printed.</summary>
internal static class ProcessRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(string dll, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {Path.GetFileName(dll)} {string.Join(' ', args)} did not exit within {timeout.TotalSeconds:0} s");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    public static Task<Result> CliAsync(ProcessCluster cluster, params string[] args) =>
        RunAsync(RepoPaths.CliDll, args, Environment(cluster), TimeSpan.FromSeconds(60));

    /// <summary>The environment of a silo process run on its own (not joined to a <see cref="ProcessCluster"/>): its HTTP,
    /// silo and gateway ports free, then <paramref name="settings"/>.</summary>
    public static Dictionary<string, string> StandaloneSilo(IEnumerable<KeyValuePair<string, string>> settings)
    {
        var environment = new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:{PortAllocator.GetFreePort()}",
            ["Orleans__Endpoints__SiloPort"] = PortAllocator.GetFreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__GatewayPort"] = PortAllocator.GetFreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return environment;
    }

    /// <summary>The environment that points the CLI at <paramref name="cluster"/>; everything else is the CLI's default.</summary>
    public static IReadOnlyDictionary<string, string> Environment(ProcessCluster cluster) => new Dictionary<string, string>
    {
        ["ConnectionStrings__redis"] = cluster.Redis.ConnectionString,
        ["Orleans__ClusterId"] = cluster.ClusterId,
        ["Orleans__ServiceId"] = cluster.ServiceId,
    };
}
