using Overseer.Testing;

namespace Overseer.Tests.Cluster;

/// <summary><c>start --try</c> and <c>start --wait</c> as a user runs them: the CLI process against a capped cluster.</summary>
public sealed class PoolCliTests
{
    [Fact]
    public async Task FullPool_TryFailsAtOnceNamingThePool_WaitTimesOutCleanly_AndPlainStartQueues()
    {
        await using var cluster = await ProcessCluster.StartAsync(1, environment: new Dictionary<string, string>
        {
            ["Overseer__Pool__MaxRunningWorkers"] = "1",
        });
        var first = await ProcessRunner.CliAsync(cluster, "start", "holder", "--source", "sequence", "--option", "delayMs=100");
        Assert.True(first.ExitCode == 0, first.Stderr);

        var tried = await ProcessRunner.CliAsync(cluster, "start", "eager", "--source", "sequence", "--try");
        var waited = await ProcessRunner.CliAsync(cluster, "start", "patient", "--source", "sequence", "--wait", "1");
        var queued = await ProcessRunner.CliAsync(cluster, "start", "queued", "--source", "sequence", "--json");

        Assert.Equal(1, tried.ExitCode);
        Assert.Contains("pool full", tried.Stderr, StringComparison.Ordinal);
        Assert.Contains("Overseer:Pool:MaxRunningWorkers", tried.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, waited.ExitCode);
        Assert.Contains("still pending after 1 s", waited.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", waited.Stderr, StringComparison.Ordinal);
        Assert.True(queued.ExitCode == 0, queued.Stderr);
        Assert.Contains("\"pending\"", queued.Stdout, StringComparison.Ordinal);
    }
}
