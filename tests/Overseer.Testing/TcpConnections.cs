using System.Globalization;

namespace Overseer.Testing;

/// <summary>Which TCP connections a process holds, read from <c>/proc</c>: to tell which server sessions are whose
/// (e.g. PostgreSQL's <c>pg_stat_activity.client_port</c>) when several processes connect to one server.</summary>
/// <remarks>
/// <c>/proc/net/tcp</c> lists every socket of the network namespace, not of one process; a process's own sockets are
/// the inodes its <c>/proc/PID/fd</c> links point at (<c>socket:[INODE]</c>). A process that has exited holds none.
/// Linux only, like the fixtures.
/// </remarks>
public static class TcpConnections
{
    /// <summary>The local ports of <paramref name="pid"/>'s TCP connections to <paramref name="remotePort"/> (any
    /// address, IPv4 or IPv6); empty if the process is gone.</summary>
    public static IReadOnlySet<int> LocalPortsTo(int pid, int remotePort)
    {
        var inodes = SocketInodesOf(pid);
        var ports = new HashSet<int>();
        if (inodes.Count == 0)
        {
            return ports;
        }

        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...";
            // addresses are HEXADDR:HEXPORT.
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9
                    && long.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
                    && inodes.Contains(inode)
                    && Port(fields[2]) == remotePort)
                {
                    ports.Add(Port(fields[1]));
                }
            }
        }

        return ports;
    }

    private static HashSet<long> SocketInodesOf(int pid)
    {
        var inodes = new HashSet<long>();
        IEnumerable<string> descriptors;
        try
        {
            descriptors = Directory.GetFiles($"/proc/{pid}/fd");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return inodes;
        }

        foreach (var descriptor in descriptors)
        {
            string? target;
            try
            {
                target = new FileInfo(descriptor).LinkTarget;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue; // closed since the listing
            }

            if (target is not null
                && target.StartsWith("socket:[", StringComparison.Ordinal)
                && long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
            {
                inodes.Add(inode);
            }
        }

        return inodes;
    }

    private static int Port(string endpoint) =>
        int.Parse(endpoint.AsSpan(endpoint.LastIndexOf(':') + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}
