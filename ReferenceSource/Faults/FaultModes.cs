namespace Overseer.ReferenceSource.Faults;

/// <summary>The wire names of <see cref="FaultMode"/>.</summary>
internal static class FaultModes
{
    private static readonly (FaultMode Mode, string Name)[] All =
    [
        (FaultMode.WsDrop, "ws-drop"),
        (FaultMode.WsStall, "ws-stall"),
        (FaultMode.Http500, "http-500"),
        (FaultMode.HttpSlow, "http-slow"),
    ];

    /// <summary>"ws-drop, ws-stall, http-500, http-slow", for messages.</summary>
    public static string Valid { get; } = string.Join(", ", All.Select(m => m.Name));

    public static string Name(FaultMode mode) => All.First(m => m.Mode == mode).Name;

    public static bool TryParse(string? name, out FaultMode mode)
    {
        foreach (var (m, n) in All)
        {
            if (string.Equals(n, name, StringComparison.Ordinal))
            {
                mode = m;
                return true;
            }
        }

        mode = default;
        return false;
    }
}
