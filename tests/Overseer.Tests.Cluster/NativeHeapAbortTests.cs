using Overseer.Testing;

namespace Overseer.Tests.Cluster;

/// <summary>Which deaths before ready <see cref="SiloProcess.StartReadyAsync"/> takes for the runtime's native heap
/// corruption (and so starts the silo once more), and which it must report as they are; and which deaths the log explains,
/// so that their crash dumps are not kept.</summary>
public sealed class NativeHeapAbortTests
{
    [Theory]
    [InlineData("corrupted size vs. prev_size")] // what CI's silo printed, with no line of its own before it
    [InlineData("free(): double free detected in tcache 2")]
    [InlineData("double free or corruption (out)")]
    [InlineData("malloc(): unsorted double linked list corrupted")]
    [InlineData("info: Orleans.Runtime.Silo[100401]\n      Silo starting\ncorrupted double-linked list")]
    [InlineData("corrupted size vs. prev_size\n[createdump] Gathering state for process 25144 dotnet\n[createdump] Crashing thread 6238 signal 6 (0006)\n[createdump] Writing minidump to file /tmp/x/silo.25144.dmp\n[createdump] Written 31596544 bytes (7714 pages) to core file\n[createdump] Target process is alive\n[createdump] Dump successfully written in 643ms")]
    public void GlibcAbort_IsANativeHeapAbort(string logTail) =>
        Assert.True(SiloProcess.IsNativeHeapAbort(134, logTail), logTail);

    [Theory]
    [InlineData(134, "Unhandled exception. System.InvalidOperationException: the partition layout differs")] // ours: reported
    [InlineData(134, "fail: Overseer[1] the log mentions a corrupted size vs. prev_size somewhere in a line")]
    [InlineData(137, "corrupted size vs. prev_size")] // killed, not aborted
    [InlineData(1, "cannot reach Redis at 127.0.0.1:6379")]
    public void AnyOtherDeath_IsNot(int exitCode, string logTail) =>
        Assert.False(SiloProcess.IsNativeHeapAbort(exitCode, logTail), $"exit {exitCode}: {logTail}");

    [Theory]
    [InlineData("Unhandled exception. System.InvalidOperationException: boom", true)]
    [InlineData("Process terminated. I have been told I am dead, so this silo will stop!", true)] // Orleans' FailFast
    [InlineData("corrupted size vs. prev_size", false)]
    [InlineData("fail: Overseer[1] Unhandled exception. quoted inside a log line", false)]
    public void ManagedDeaths_AreThoseTheLogExplains(string line, bool managed) =>
        Assert.Equal(managed, SiloProcess.IsManagedDeath(line));
}
