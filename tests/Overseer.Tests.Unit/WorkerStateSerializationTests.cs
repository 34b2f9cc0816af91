using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Overseer.Workers;

namespace Overseer.Tests.Unit;

/// <summary>The worker state's restart history through Orleans' serializer, as the grain storage stores it: kept when
/// there is one, none when there is none, and an empty list (as earlier versions stored a worker that never restarted)
/// read as none.</summary>
public sealed class WorkerStateSerializationTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(WorkerState).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    private static WorkerState RoundTrip(WorkerState state) => Serializer.Deserialize<WorkerState>(Serializer.SerializeToArray(state))!;

    [Fact]
    public void RestartHistory_RoundTrips()
    {
        var copy = RoundTrip(new WorkerState { RestartHistory = [Now.AddSeconds(-2), Now], Restarts = 2 });

        Assert.Equal([Now.AddSeconds(-2), Now], copy.RestartHistory);
        Assert.Equal(2, copy.Restarts);
    }

    [Fact]
    public void RestartHistory_None_RoundTripsAsNone()
    {
        Assert.Null(RoundTrip(new WorkerState { Restarts = 4 }).RestartHistory);
    }

    [Fact]
    public void RestartHistory_Empty_IsHeldAsNone()
    {
        var state = new WorkerState { RestartHistory = [] };

        Assert.Null(state.RestartHistory);
        Assert.Null(RoundTrip(state).RestartHistory);
    }
}
