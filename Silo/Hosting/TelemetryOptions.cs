namespace Overseer.Hosting;

/// <summary>Telemetry switch, bound from <c>Overseer:Telemetry</c>.</summary>
internal sealed class TelemetryOptions
{
    public const string SectionName = "Overseer:Telemetry";

    /// <summary>Register OpenTelemetry (Overseer and Orleans meters and activity sources) and Orleans activity
    /// propagation. Default true; false leaves the instruments without a listener, to measure the overhead.</summary>
    public bool Enabled { get; set; } = true;
}
