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

    /// <summary>The environment that points the CLI at <paramref name="cluster"/>; everything else is the CLI's default.</summary>
    public static IReadOnlyDictionary<string, string> Environment(ProcessCluster cluster) => new Dictionary<string, string>
    {
        ["ConnectionStrings__redis"] = cluster.Redis.ConnectionString,
        ["Orleans__ClusterId"] = cluster.ClusterId,
        ["Orleans__ServiceId"] = cluster.ServiceId,
    };
}
