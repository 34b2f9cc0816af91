using System.Globalization;

namespace Overseer.Drill;

/// <summary>One entry of the schedule: at <see cref="At"/> after the drill's start, do <see cref="Kind"/> to
/// <see cref="Target"/> (a silo name, a worker id or a fault mode) with <see cref="Argument"/> (a duration or a depth).</summary>
internal sealed record DrillStep(TimeSpan At, DrillStepKind Kind, string Target, int Argument = 0)
{
    public bool IsOperatorAction => Kind is DrillStepKind.Stop or DrillStepKind.Resume or DrillStepKind.Rewind or DrillStepKind.DeleteAndRestart;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"t+{At.TotalSeconds,6:0.0}s {Kind,-16} {Target}{(Argument != 0 ? $" {Argument}" : "")}");
}
