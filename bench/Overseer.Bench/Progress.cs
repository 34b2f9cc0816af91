using System.Diagnostics;

namespace Overseer.Bench;

/// <summary>Progress lines on stderr, stamped with the time since the bench started, so stdout holds only the results.</summary>
internal static class Progress
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public static void Say(string message) =>
        Console.Error.WriteLine($"[{Clock.Elapsed.TotalSeconds,7:0.0}s] {message}");
}
