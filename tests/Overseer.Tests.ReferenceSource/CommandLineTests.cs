using System.Diagnostics;
using Overseer.Testing;

namespace Overseer.Tests.ReferenceSource;

/// <summary>A bad command line stops the reference source at once with exit code 1 and a message naming the argument.</summary>
public sealed class CommandLineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(new[] { "--rate", "0" }, "--rate is 0: expected an integer 1..100000")]
    [InlineData(new[] { "--rate", "100001" }, "--rate is 100001: expected an integer 1..100000")]
    [InlineData(new[] { "--rate", "fast" }, "--rate is 'fast': expected an integer 1..100000")]
    [InlineData(new[] { "--rate" }, "--rate needs a value: expected an integer 1..100000")]
    [InlineData(new[] { "--heartbeat-ms=5" }, "--heartbeat-ms is 5: expected an integer 10..60000")]
    [InlineData(new[] { "--urls", "ftp://127.0.0.1:1" }, "--urls contains 'ftp://127.0.0.1:1': expected absolute http URLs")]
    [InlineData(new[] { "--rat", "5" }, "unknown argument '--rat': expected --rate N, --urls URLS, --heartbeat-ms N or --epoch SECONDS")]
    [InlineData(new[] { "--epoch", "soon" }, "--epoch is 'soon': expected Unix seconds (a whole number)")]
    [InlineData(new[] { "--epoch=99999999999" }, "--epoch is 99999999999 (")]
    public async Task Start_BadArgument_ExitsWith1NamingTheArgumentAndValidValues(string[] args, string expected)
    {
        var (exitCode, stderr) = await RunAsync(args);

        Assert.Equal(1, exitCode);
        Assert.Contains($"error: {expected}", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fixture_BadRate_ReportsTheExitAndTheMessage()
    {
        await using var source = ReferenceSourceProcess.Start(rate: 0);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => source.WaitReadyAsync(Timeout));

        Assert.Contains("exited with code 1 before it was ready", failure.Message, StringComparison.Ordinal);
        Assert.Contains("--rate is 0", failure.Message, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Stderr)> RunAsync(IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(RepoPaths.ReferenceSourceDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException(
                $"dotnet Overseer.ReferenceSource.dll {string.Join(' ', args)} was still running after {Timeout.TotalSeconds:0} s; it should have refused its arguments");
        }

        await stdout;
        return (process.ExitCode, await stderr);
    }
}
