namespace Overseer.Tests.Cluster;

/// <summary>The sample <c>samples/Erc20Indexer</c> as a user builds it: copied out of the repository with its own
/// project files, restored and built against the Overseer packages packed for this test class (once per class).</summary>
public sealed class Erc20SampleHost : IAsyncLifetime
{
    private PackagedOverseer? packaged;

    /// <summary>The built sample host, <c>Erc20Indexer.dll</c>.</summary>
    public string HostDll { get; private set; } = "";

    public async Task InitializeAsync()
    {
        packaged = await PackagedOverseer.PackAsync("erc20-sample");
        var sample = packaged.CopyFromRepository(Path.Combine("samples", "Erc20Indexer"));
        // OverseerVersion is the sample's own switch for another package version (its README). NuGetAudit=false: no
        // vulnerability lookup on a machine that may be offline, where its warning would fail the sample's
        // TreatWarningsAsErrors build.
        HostDll = await packaged.BuildAsync(sample, "Erc20Indexer", $"OverseerVersion={packaged.Version}", "NuGetAudit=false");
    }

    public Task DisposeAsync()
    {
        packaged?.Dispose();
        return Task.CompletedTask;
    }
}
