using Overseer.Cli.Watch;

namespace Overseer.Tests.Unit;

public sealed class EventRateTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    [Fact]
    public void Add_FirstSample_HasNoRate()
    {
        var rate = new EventRate(Window);

        Assert.Null(rate.Add(TimeSpan.FromSeconds(1), 1_000));
    }

    [Fact]
    public void Add_SecondSample_IsTheDifferenceOverTheTimeBetween()
    {
        var rate = new EventRate(Window);
        rate.Add(TimeSpan.FromSeconds(1), 1_000);

        Assert.Equal(250, rate.Add(TimeSpan.FromSeconds(3), 1_500));
    }

    [Fact]
    public void Add_AveragesOverTheWindow_AndForgetsOlderSamples()
    {
        var rate = new EventRate(Window);
        rate.Add(TimeSpan.FromSeconds(0), 0);
        rate.Add(TimeSpan.FromSeconds(5), 5_000);       // 1000/s
        Assert.Equal(600, rate.Add(TimeSpan.FromSeconds(10), 6_000)); // (6000 - 0) / 10: both halves count

        // t=0 is now more than 10 s back: the average starts at t=5.
        Assert.Equal(300, rate.Add(TimeSpan.FromSeconds(15), 8_000)!.Value, precision: 6); // (8000 - 5000) / 10
    }

    [Fact]
    public void Add_WhenTheSumGoesDown_StartsAgainInsteadOfReportingANegativeRate()
    {
        var rate = new EventRate(Window);
        rate.Add(TimeSpan.FromSeconds(0), 5_000);
        rate.Add(TimeSpan.FromSeconds(2), 6_000);

        Assert.Null(rate.Add(TimeSpan.FromSeconds(4), 100));
        Assert.Equal(50, rate.Add(TimeSpan.FromSeconds(6), 200));
    }

    [Fact]
    public void Add_SameInstantTwice_HasNoRate()
    {
        var rate = new EventRate(Window);
        rate.Add(TimeSpan.FromSeconds(2), 10);

        Assert.Null(rate.Add(TimeSpan.FromSeconds(2), 10));
    }
}
