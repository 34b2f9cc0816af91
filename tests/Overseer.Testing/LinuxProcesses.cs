using System.Globalization;

namespace Overseer.Testing;

/// <summary>Reads <c>/proc</c> to find a process's children and to tell whether a process is still alive.</summary>
/// <remarks>
/// A process is identified by its pid and its start time, so a pid reused by a later process is never taken for
/// the one we saw. A zombie counts as exited: it runs no code and holds no memory, and in a container whose init
/// does not reap, orphans stay zombies until the container ends.
/// </remarks>
internal static class LinuxProcesses
{
    /// <summary>A process as seen at one moment: its pid and its start time (clock ticks since boot).</summary>
    public readonly record struct Snapshot(int Pid, long StartTime);

    /// <summary>The live children of <paramref name="parentPid"/>.</summary>
    public static IReadOnlyList<Snapshot> ChildrenOf(int parentPid)
    {
        List<Snapshot> children = [];
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ReadStat(pid) is { } stat
                && stat.ParentPid == parentPid
                && !stat.IsDead)
            {
                children.Add(new Snapshot(pid, stat.StartTime));
            }
        }

        return children;
    }

    /// <summary>Whether <paramref name="process"/> has exited (gone, a zombie, or its pid now belongs to another process).</summary>
    public static bool HasExited(Snapshot process) =>
        ReadStat(process.Pid) is not { } stat || stat.IsDead || stat.StartTime != process.StartTime;

    /// <summary>Whether the process is stopped by a signal (state T), e.g. after SIGSTOP.</summary>
    public static bool IsStopped(int pid) => ReadStat(pid) is { State: 'T' };

    /// <summary>Whether <paramref name="pid"/> has exited: gone, or a zombie its (perhaps stopped) parent has not reaped.</summary>
    public static bool HasExited(int pid) => ReadStat(pid) is not { } stat || stat.IsDead;

    private readonly record struct Stat(char State, int ParentPid, long StartTime)
    {
        public bool IsDead => State is 'Z' or 'X';
    }

    // /proc/PID/stat is "pid (comm) state ppid ... starttime ..."; comm may hold spaces and parentheses, so the
    // fields are counted from the last ')'. starttime is field 22, the 20th after comm.
    private static Stat? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return new Stat(
            fields[0][0],
            int.Parse(fields[1], CultureInfo.InvariantCulture),
            long.Parse(fields[19], CultureInfo.InvariantCulture));
    }
}
