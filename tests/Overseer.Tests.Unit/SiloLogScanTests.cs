using Overseer.Drill;

namespace Overseer.Tests.Unit;

public sealed class SiloLogScanTests
{
    [Fact]
    public void SlotLosses_CarryTheTimeOfTheirEntry()
    {
        var log = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(log,
            [
                "2026-12-06T05:47:08.023Z warn: Orleans.Runtime.Watchdog[100150]",
                "      Participant check thread has not completed",
                "2026-12-06T05:47:09.500Z warn: Overseer.Workers.SupervisionLoop[11]",
                "      Worker endless-03 lost its pool slot (lease expired) and the pool is full; it stops at checkpoint 40 and waits as pending",
                "2026-12-06T05:47:10.000Z info: Overseer.Registry.PartitionGrain[1]",
                "      Partition 2 loaded 0 registry rows",
            ]);

            var losses = SiloLogScan.SlotLosses(log).ToList();

            var (at, workerId) = Assert.Single(losses);
            Assert.Equal("endless-03", workerId);
            Assert.Equal(new DateTime(2026, 12, 6, 5, 47, 9, 500, DateTimeKind.Utc), at);
            Assert.Equal(DateTimeKind.Utc, at.Kind);
        }
        finally
        {
            File.Delete(log);
        }
    }
}
