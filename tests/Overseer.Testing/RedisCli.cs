using System.Diagnostics;

namespace Overseer.Testing;

/// <summary>Runs <c>redis-cli</c> against the fixtures' private Redis processes (cluster and Sentinel layouts, roles).</summary>
internal static class RedisCli
{
    private const string Executable = "redis-cli";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>redis-cli's arguments that authenticate with <paramref name="password"/> (none when null).</summary>
    public static string[] Auth(string? password) => password is null ? [] : ["-a", password, "--no-auth-warning"];

    /// <summary>Runs redis-cli to completion and returns its output.</summary>
    /// <exception cref="InvalidOperationException">redis-cli is missing or exited with an error; the message holds its output.</exception>
    /// <exception cref="TimeoutException">It did not finish within 30 s.</exception>
    public static async Task<string> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var executable = ChildProcesses.FindOnPath(Executable) ?? throw new InvalidOperationException(
            "redis-cli is not installed (not found on PATH). Run ./overseer test, which installs it, "
            + "or install it with: apt-get install -y redis-tools");
        var startInfo = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start redis-cli");
        process.StandardInput.Close();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var error = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"redis-cli {string.Join(' ', arguments)} did not finish within {Timeout.TotalSeconds:0} s");
        }

        var text = await output.ConfigureAwait(false);
        var errors = await error.ConfigureAwait(false);
        if (process.ExitCode != 0 || text.Contains("[ERR]", StringComparison.Ordinal) || text.StartsWith("ERR", StringComparison.Ordinal)
            || text.StartsWith("Could not connect", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"redis-cli {string.Join(' ', arguments)} failed (exit code {process.ExitCode}):{Environment.NewLine}{text}{errors}");
        }

        return text;
    }
}
