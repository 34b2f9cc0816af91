using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Overseer.Bench;

/// <summary>The facts about the machine that the numbers depend on.</summary>
internal sealed record MachineInfo(int Cores, string Cpu, double MemoryGiB, string Os, string Runtime, string Redis)
{
    public static MachineInfo Read() => new(
        Environment.ProcessorCount,
        CpuModel(),
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        RedisVersion());

    /// <summary>The 1/5/15-minute load averages (<c>/proc/loadavg</c>), or null where there is none: on a shared
    /// machine, how busy the other tenants kept it.</summary>
    public static string? LoadAverage()
    {
        const string LoadAvg = "/proc/loadavg";
        return File.Exists(LoadAvg) ? string.Join(' ', File.ReadAllText(LoadAvg).Split(' ').Take(3)) : null;
    }

    private static string CpuModel()
    {
        const string CpuInfo = "/proc/cpuinfo";
        var line = File.Exists(CpuInfo)
            ? File.ReadLines(CpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
            : null;
        return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static string RedisVersion()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("redis-server", "--version") { RedirectStandardOutput = true });
            var output = process?.StandardOutput.ReadToEnd() ?? string.Empty;
            process?.WaitForExit();

            // "Redis server v=7.0.15 sha=... malloc=jemalloc-5.3.0 bits=64 build=..."
            var version = output.Split(' ').FirstOrDefault(p => p.StartsWith("v=", StringComparison.Ordinal));
            return version is null ? "redis-server (version unknown)" : $"redis-server {version[2..]}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "redis-server (version unknown)";
        }
    }
}
