using System.Globalization;
using System.Text.RegularExpressions;

namespace Overseer.Drill;

/// <summary>Reads the drill's silo logs (console format, each entry headed by a UTC time) for what the product reports
/// only there: a worker that lost its pool slot because its lease ran out.</summary>
internal static partial class SiloLogScan
{
    /// <summary>The console logger's timestamp format the drill's silos use (a trailing space before the level).</summary>
    public const string TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";

    /// <summary>Each slot loss in <paramref name="logPath"/>: when (UTC, the entry's time) and which worker.</summary>
    public static IEnumerable<(DateTime At, string WorkerId)> SlotLosses(string logPath)
    {
        var at = DateTime.MinValue;
        foreach (var line in File.ReadLines(logPath))
        {
            var header = Header().Match(line);
            if (header.Success)
            {
                at = DateTime.ParseExact(header.Groups[1].Value, "yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
                continue;
            }

            var loss = SlotLoss().Match(line);
            if (loss.Success)
            {
                yield return (at, loss.Groups[1].Value);
            }
        }
    }

    [GeneratedRegex(@"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (?:trce|dbug|info|warn|fail|crit):")]
    private static partial Regex Header();

    // The message of SupervisionLoop's SlotLost entry.
    [GeneratedRegex(@"Worker (\S+) lost its pool slot")]
    private static partial Regex SlotLoss();
}
