using Microsoft.Playwright;
using Overseer.Models;
using Overseer.Testing;
using Xunit.Abstractions;

namespace Overseer.Tests.Cluster;

/// <summary>The dashboard and the worker view as a person sees them: Debian's headless Chromium, driven by
/// Playwright (no browser download), against a real silo process running workers. Screenshots are kept in the test
/// output directory (<c>screenshots/</c>).</summary>
public sealed class DashboardBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly string[] Running = ["view-alpha", "view-bravo", "view-charlie"];
    private const string Stopped = "view-stopped";

    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ProcessCluster.StartAsync(silos: 1);
        var client = await _cluster.ConnectAsync();
        foreach (var id in Running.Append(Stopped))
        {
            await client.StartAsync(id, WorkerSpec.For("sequence", ("delayMs", "50"), ("batch", "1")));
        }

        await client.StopAsync(Stopped);
        await Eventually.UntilAsync(
            () => client.GetSummaryAsync(),
            s => s.ByStatus.GetValueOrDefault("running") == Running.Length && s.ByStatus.GetValueOrDefault("stopped") == 1 && s.Checkpoints > 0,
            Deadline,
            s => $"set-up: {Running.Length} running, 1 stopped and some checkpoints in the registry; got {string.Join(", ", s.ByStatus)} checkpoints={s.Checkpoints}");
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static string ScreenshotPath(string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }

    private static async Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: install Debian's chromium (apt-get install chromium; .ci/run does)");
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true });
    }

    [Fact]
    public async Task Browser_DashboardAndWorkerView_ShowTheWorkerGrainTheStatusCountsAndAKnownWorker()
    {
        var silo = _cluster.Silos[0];
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchChromiumAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        page.SetDefaultTimeout((float)Deadline.TotalMilliseconds);
        Assertions.SetDefaultExpectTimeout((float)Deadline.TotalMilliseconds);

        // Worker view: the counts, then a known row, then a search that keeps only that row.
        var response = await page.GotoAsync(new Uri(silo.HttpAddress, "/workers").ToString());
        Assert.Equal(200, response?.Status);
        Assert.Equal("Overseer workers", await page.TitleAsync());
        Assert.Equal("4", await page.InnerTextAsync("#workers b"));
        Assert.Equal("3", await page.InnerTextAsync("#status-running b"));
        Assert.Equal("1", await page.InnerTextAsync("#status-stopped b"));
        Assert.Equal("0", await page.InnerTextAsync("#status-failed b"));
        var rows = page.Locator("table#workers tbody tr");
        Assert.Equal(Running.Append(Stopped).Order(StringComparer.Ordinal), await rows.Locator("td:first-child").AllInnerTextsAsync());
        var bravo = page.Locator("tr[data-id='view-bravo'] td");
        Assert.Equal("running", await bravo.Nth(1).InnerTextAsync());
        Assert.Equal(silo.SiloEndpoint, await bravo.Nth(7).InnerTextAsync());
        Assert.Equal("stopped", await page.Locator($"tr[data-id='{Stopped}'] td").Nth(1).InnerTextAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath("workers.png"), FullPage = true });

        await page.FillAsync("input[name=q]", "BRAV");
        await Task.WhenAll(page.WaitForURLAsync("**/workers?*q=BRAV*"), page.ClickAsync("#filter button[type=submit]"));
        Assert.Equal(["view-bravo"], await rows.Locator("td:first-child").AllInnerTextsAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath("workers-search.png"), FullPage = true });

        // A second read gives events/s: the workers keep committing between the two.
        await Eventually.UntilAsync(
            async () =>
            {
                await page.GotoAsync(new Uri(silo.HttpAddress, "/workers").ToString());
                return await page.InnerTextAsync("#events-per-second b");
            },
            text => double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var rate) && rate > 0,
            Deadline,
            text => $"/workers to show a positive events/s; it showed '{text}'");

        // The Orleans dashboard: the overview, then its Grains page, which lists every grain type with activations
        // (full type names) once the dashboard has collected its counters.
        response = await page.GotoAsync(new Uri(silo.HttpAddress, "/dashboard/").ToString());
        Assert.Equal(200, response?.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Orleans Dashboard" })).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath("dashboard.png"), FullPage = true });
        await page.GetByRole(AriaRole.Link, new() { Name = "Grains", Exact = true }).ClickAsync();
        // The Grains page shows a type by its class name, linked to its full name; the activations column counts
        // one per worker still active (the stopped one may be collected).
        var workerGrain = page.GetByRole(AriaRole.Link, new() { Name = "WorkerGrain", Exact = true });
        await Assertions.Expect(workerGrain).ToHaveAttributeAsync("href", "#/grain/Overseer.Workers.WorkerGrain");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "PartitionGrain", Exact = true }))
            .ToHaveAttributeAsync("href", "#/grain/Overseer.Registry.PartitionGrain");
        var cells = page.Locator("tr", new() { Has = workerGrain }).Locator("td");
        await Assertions.Expect(cells.Nth(0)).ToHaveAttributeAsync("title", "Overseer.Workers.WorkerGrain");
        var activations = cells.Nth(2); // grain, badge (system grains), activations, exception rate, throughput, latency
        await Eventually.UntilAsync(
            () => activations.InnerTextAsync(),
            text => int.TryParse(text.Trim(), out var n) && n >= Running.Length,
            Deadline,
            text => $"the dashboard's Grains page to show at least {Running.Length} WorkerGrain activations; it showed '{text}'");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath("dashboard-grains.png"), FullPage = true });
        output.WriteLine($"screenshots in {Path.GetDirectoryName(ScreenshotPath("dashboard.png"))}");
    }
}
