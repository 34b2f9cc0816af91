using System.Net;
using System.Net.Sockets;

namespace Overseer.Testing;

/// <summary>A loopback TCP proxy to one port that a test can cut (every open connection is dropped and new ones are
/// closed at once) or freeze (connections stay open but nothing gets through: a silent stall), and restore, e.g. to fail
/// a node's WebSocket while its HTTP side, reached directly, answers.</summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly int target;
    private readonly CancellationTokenSource stopping = new();
    private readonly Lock gate = new();
    private readonly List<TcpClient> open = [];
    private readonly Task accepting;
    private volatile bool cut;
    private volatile bool frozen;

    public TcpProxy(int targetPort)
    {
        target = targetPort;
        listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        accepting = AcceptLoopAsync();
    }

    public int Port { get; }

    /// <summary>Connections accepted (and forwarded, or closed while cut) so far.</summary>
    public int Accepted { get; private set; }

    public bool IsCut => cut;

    /// <summary>Drops every open connection; until <see cref="Restore"/>, new ones are closed as soon as they arrive.</summary>
    public void Cut()
    {
        cut = true;
        lock (gate)
        {
            foreach (var client in open)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
            }

            open.Clear();
        }
    }

    /// <summary>Until <see cref="Restore"/>, bytes in either direction are dropped; connections stay open.</summary>
    public void Freeze() => frozen = true;

    public void Restore() => (cut, frozen) = (false, false);

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        listener.Stop();
        Cut();
        await accepting.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await listener.AcceptTcpClientAsync(stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Accepted++;
            if (cut)
            {
                inbound.Client.LingerState = new LingerOption(true, 0);
                inbound.Dispose();
                continue;
            }

            _ = ForwardAsync(inbound);
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            if (!frozen)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ForwardAsync(TcpClient inbound)
    {
        var outbound = new TcpClient();
        lock (gate)
        {
            open.Add(inbound);
            open.Add(outbound);
        }

        try
        {
            await outbound.ConnectAsync(IPAddress.Loopback, target, stopping.Token).ConfigureAwait(false);
            using var done = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
            var a = PumpAsync(inbound.GetStream(), outbound.GetStream(), done.Token);
            var b = PumpAsync(outbound.GetStream(), inbound.GetStream(), done.Token);
            await Task.WhenAny(a, b).ConfigureAwait(false);
            await done.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A cut, the target going away, or disposal: the connection simply ends.
        }
        finally
        {
            lock (gate)
            {
                open.Remove(inbound);
                open.Remove(outbound);
            }

            inbound.Dispose();
            outbound.Dispose();
        }
    }
}
