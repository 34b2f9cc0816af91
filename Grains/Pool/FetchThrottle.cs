using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Overseer.Hosting;

namespace Overseer.Pool;

/// <summary>This silo's fetch permits: one gate per silo (<see cref="PoolOptions.MaxConcurrentFetchesPerSilo"/>) and one
/// per source host (<see cref="PoolOptions.MaxConcurrentFetchesPerHost"/>). A fetch waits, first come first served,
/// instead of flooding the source or the thread pool. A cap of 0 costs nothing.</summary>
/// <remarks>The host permit is taken first, so a fetch waiting for a busy host never holds a silo permit that a fetch to
/// another host could use. Caps are read once (options are fixed for the life of the silo).</remarks>
internal sealed class FetchThrottle
{
    private readonly FairGate? _silo;
    private readonly int _perHost;
    private readonly ConcurrentDictionary<string, FairGate> _hosts = new(StringComparer.OrdinalIgnoreCase);

    public FetchThrottle(IOptions<PoolOptions> options)
    {
        var o = options.Value;
        _silo = o.MaxConcurrentFetchesPerSilo > 0 ? new FairGate(o.MaxConcurrentFetchesPerSilo) : null;
        _perHost = o.MaxConcurrentFetchesPerHost;
    }

    /// <summary>Whether a fetch from <paramref name="host"/> (null: a source with no host) waits for any permit at all.</summary>
    public bool Limits(string? host) => _silo is not null || (host is not null && _perHost > 0);

    /// <summary>Waits for the permits of one fetch; dispose the result to give them back. <paramref name="host"/> is the
    /// source's <c>host:port</c>, or null for a source with no host (the sequence source: silo cap only).</summary>
    public async ValueTask<Permit> EnterAsync(string? host, CancellationToken cancellationToken)
    {
        var hostGate = host is not null && _perHost > 0 ? _hosts.GetOrAdd(host, _ => new FairGate(_perHost)) : null;
        if (hostGate is not null)
        {
            await hostGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_silo is not null)
        {
            try
            {
                await _silo.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                hostGate?.Release();
                throw;
            }
        }

        return new Permit(hostGate, _silo);
    }

    /// <summary>The permits of one fetch.</summary>
    public readonly struct Permit(FairGate? host, FairGate? silo) : IDisposable
    {
        public void Dispose()
        {
            silo?.Release();
            host?.Release();
        }
    }
}
