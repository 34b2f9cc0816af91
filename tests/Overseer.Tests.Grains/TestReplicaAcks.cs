using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Overseer.Diagnostics;
using Overseer.Hosting;
using Overseer.Outputs.Redis;
using StackExchange.Redis;

namespace Overseer.Tests.Grains;

/// <summary>The <see cref="ReplicaAcks"/> a Redis output built by hand in a test needs: the default durability (a
/// write counts once the primary has it) unless <paramref name="options"/> say otherwise.</summary>
internal static class TestReplicaAcks
{
    public static ReplicaAcks Create(IConnectionMultiplexer mux, RedisDurabilityOptions? options = null)
    {
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        return new ReplicaAcks(mux, Options.Create(options ?? new RedisDurabilityOptions()), new OverseerInstruments(meters, new(), new()), NullLogger<ReplicaAcks>.Instance);
    }
}
