using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace Overseer.Tests.Unit;

/// <summary>Drives a retried call on a fake clock: advances it by <c>step</c> until the call ends, bounded by a real-time
/// deadline whose failure names what was awaited.</summary>
internal static class FakeClock
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public static async Task<T> DriveAsync<T>(FakeTimeProvider time, TimeSpan step, Task<T> run, Func<string> progress)
    {
        var clock = Stopwatch.StartNew();
        while (!run.IsCompleted)
        {
            Assert.True(clock.Elapsed < Deadline, $"the retried call to end within {Deadline.TotalSeconds:0} s of driven time; {progress()}");
            time.Advance(step);
            await Task.WhenAny(run, Task.Delay(5));
        }

        return await run;
    }
}
