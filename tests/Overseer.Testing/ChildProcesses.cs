using System.ComponentModel;
using System.Diagnostics;

namespace Overseer.Testing;

/// <summary>Starts the fixtures' child processes and kills any still running when the test host exits.</summary>
internal static class ChildProcesses
{
    // The shell only sets up the redirection and then execs the program, so the process id we hold is the
    // program's own and signals reach it directly. The program writes its output straight to the file,
    // so nothing is lost when it is killed and the log is complete whenever a test reads it.
    private const string RedirectAndExec = "log=$1; shift; exec \"$@\" >>\"$log\" 2>&1 </dev/null";

    private static readonly Lock Gate = new();
    private static readonly HashSet<Process> Running = [];

    static ChildProcesses() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();

    /// <summary>Starts <paramref name="fileName"/> with its stdout and stderr appended to <paramref name="logPath"/>.</summary>
    /// <param name="fileName">The program, looked up on PATH.</param>
    /// <param name="arguments">Its arguments, passed as-is (no shell quoting involved).</param>
    /// <param name="logPath">The log file; created or appended to.</param>
    /// <param name="environment">Variables to set (a null value removes an inherited one).</param>
    /// <param name="workingDirectory">The process's current directory.</param>
    public static Process Start(
        string fileName,
        IEnumerable<string> arguments,
        string logPath,
        IReadOnlyDictionary<string, string?> environment,
        string workingDirectory)
    {
        var startInfo = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = workingDirectory };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add(RedirectAndExec);
        startInfo.ArgumentList.Add("sh");
        startInfo.ArgumentList.Add(logPath);
        startInfo.ArgumentList.Add(fileName);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start '{fileName}'.");
        lock (Gate)
        {
            Running.Add(process);
        }

        return process;
    }

    /// <summary>Stops tracking a process that has exited, and releases it.</summary>
    public static void Release(Process process)
    {
        lock (Gate)
        {
            Running.Remove(process);
        }

        process.Dispose();
    }

    /// <summary>Returns the program's full path if it is on PATH, otherwise null.</summary>
    public static string? FindOnPath(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>The last <paramref name="lines"/> lines of a log file, or a note saying why there are none.</summary>
    public static string ReadTail(string logPath, int lines)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lines);
        try
        {
            // FileShare.ReadWrite: the child still has the file open for writing.
            using var stream = new FileStream(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var tail = new Queue<string>(lines);
            while (reader.ReadLine() is { } line)
            {
                if (tail.Count == lines)
                {
                    tail.Dequeue();
                }

                tail.Enqueue(line);
            }

            return tail.Count == 0 ? $"({logPath} is empty)" : string.Join(Environment.NewLine, tail);
        }
        catch (FileNotFoundException)
        {
            return $"({logPath} does not exist)";
        }
    }

    private static void KillAll()
    {
        lock (Gate)
        {
            foreach (var process in Running)
            {
                try
                {
                    process.Kill();
                }
                catch (Exception ex) when (ex is InvalidOperationException or Win32Exception)
                {
                    // Already exited, or gone in the meantime: nothing left to clean up.
                }
            }
        }
    }
}
