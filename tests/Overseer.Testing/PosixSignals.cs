using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Overseer.Testing;

/// <summary>Sends POSIX signals; .NET's <see cref="Process"/> can only send SIGKILL.</summary>
internal static partial class PosixSignals
{
    // Linux numbers (x86-64 and arm64); the fixtures run only on Linux.
    public const int Interrupt = 2;
    public const int KillSignal = 9;
    public const int Terminate = 15;
    public const int Stop = 19;
    public const int Continue = 18;

    private const int NoSuchProcess = 3; // ESRCH

    /// <summary>Sends <paramref name="signal"/> to <paramref name="process"/>; does nothing if it has already exited.</summary>
    public static void Send(Process process, int signal)
    {
        if (process.HasExited)
        {
            return;
        }

        if (Kill(process.Id, signal) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != NoSuchProcess)
            {
                throw new Win32Exception(errno, $"kill({process.Id}, {signal}) failed with errno {errno}.");
            }
        }
    }

    /// <summary>Sends <paramref name="signal"/> to the process <paramref name="pid"/>; returns false if there is no such process.</summary>
    /// <remarks>For processes that are not our children (a server's workers), which <see cref="Process"/> cannot represent safely.</remarks>
    public static bool Send(int pid, int signal)
    {
        if (Kill(pid, signal) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == NoSuchProcess
            ? false
            : throw new Win32Exception(errno, $"kill({pid}, {signal}) failed with errno {errno}.");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
