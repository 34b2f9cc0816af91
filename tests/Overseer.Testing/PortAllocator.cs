using System.Net;
using System.Net.Sockets;

namespace Overseer.Testing;

/// <summary>Free loopback TCP ports for test processes.</summary>
/// <remarks>
/// A port is found by binding to port 0 and releasing it, so another process could still take it before
/// ours binds; the window is small and <see cref="RedisServer"/> retries its first start on a clash.
/// Ports are never handed out twice within one test run, so two fixtures cannot be given the same one.
/// </remarks>
public static class PortAllocator
{
    private const int MaxAttempts = 100;
    private static readonly HashSet<int> Issued = [];
    private static readonly Lock Gate = new();

    /// <summary>Returns a loopback TCP port that was free a moment ago and not returned before by this process.</summary>
    public static int GetFreePort()
    {
        lock (Gate)
        {
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
                if (Issued.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException(
            $"The OS returned only ports already handed out in {MaxAttempts} attempts; the ephemeral port range is nearly exhausted.");
    }
}
