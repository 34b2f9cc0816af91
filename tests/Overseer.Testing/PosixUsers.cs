using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Overseer.Testing;

/// <summary>Looks up OS users and changes file ownership; .NET has no API for either.</summary>
internal static partial class PosixUsers
{
    /// <summary>A user's ids.</summary>
    public readonly record struct Account(string Name, uint UserId, uint GroupId);

    /// <summary>The user named <paramref name="name"/>, or null if there is none.</summary>
    public static Account? Find(string name)
    {
        var entry = GetPasswordEntry(name);
        if (entry == 0)
        {
            return null;
        }

        var passwd = Marshal.PtrToStructure<Passwd>(entry);
        return new Account(name, passwd.UserId, passwd.GroupId);
    }

    /// <summary>Gives <paramref name="path"/> (not its contents) to <paramref name="account"/>.</summary>
    public static void ChangeOwner(string path, Account account)
    {
        if (ChangeOwner(path, account.UserId, account.GroupId) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new Win32Exception(errno, $"chown({path}, {account.Name}) failed with errno {errno}.");
        }
    }

    // struct passwd on Linux (glibc and musl): name, password, uid, gid, gecos, home, shell.
    [StructLayout(LayoutKind.Sequential)]
    private struct Passwd
    {
        public nint Name;
        public nint Password;
        public uint UserId;
        public uint GroupId;
        public nint Gecos;
        public nint Home;
        public nint Shell;
    }

    [LibraryImport("libc", EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetPasswordEntry(string name);

    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int ChangeOwner(string path, uint owner, uint group);
}
