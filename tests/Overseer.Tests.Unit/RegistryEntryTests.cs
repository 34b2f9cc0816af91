using System.Reflection;
using Overseer.Models;
using Overseer.Registry;

namespace Overseer.Tests.Unit;

/// <summary>A registry row holds its worker's snapshot compactly and gives back exactly what it was given: every field
/// of <see cref="WorkerInfo"/>, found by reflection, so that a field added later and forgotten by the row fails here.</summary>
public sealed class RegistryEntryTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static readonly WorkerInfo Minimal = new() { Id = "w", Status = WorkerStatus.Running, Source = "sequence" };

    public static TheoryData<string> Fields() => [.. typeof(WorkerInfo).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name)];

    [Fact]
    public void Info_OfARowWithEveryFieldSet_IsTheSnapshotItWasGiven()
    {
        var info = Minimal;
        foreach (var property in typeof(WorkerInfo).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            info = With(info, property);
        }

        var row = new RegistryEntry(info, WantsRun: false, RegisteredAt: Now);

        Assert.Equal(info, row.Info);
        Assert.False(row.WantsRun);
        Assert.Equal(Now, row.RegisteredAt);
    }

    [Theory]
    [MemberData(nameof(Fields))]
    public void Info_OfARowWithOneFieldSet_KeepsThatField(string field)
    {
        var info = With(Minimal, typeof(WorkerInfo).GetProperty(field)!);
        Assert.NotEqual(Minimal, info);

        var row = new RegistryEntry(info, WantsRun: true, RegisteredAt: Now);

        Assert.Equal(info, row.Info);
        Assert.Equal(info.Id, row.Id);
        Assert.Equal(info.Status, row.Status);
        Assert.Equal(info.Silo, row.Silo);
        Assert.Equal(info.Version, row.Version);
        Assert.Equal(info.NextRestartAt, row.NextRestartAt);
    }

    [Fact]
    public void Info_IsBuiltAnewOnEachCall_SoThatNoCallerCanChangeTheRow()
    {
        var row = new RegistryEntry(Minimal, WantsRun: true, RegisteredAt: Now);

        Assert.NotSame(row.Info, row.Info);
        Assert.Equal(row.Info, row.Info);
    }

    /// <summary><paramref name="info"/> with <paramref name="property"/> set to a value unlike its default.</summary>
    private static WorkerInfo With(WorkerInfo info, PropertyInfo property)
    {
        var copy = info with { };
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        object value = type switch
        {
            _ when type == typeof(string) => $"{property.Name}-value",
            _ when type == typeof(long) => 7L + property.Name.Length,
            _ when type == typeof(int) => 3 + property.Name.Length,
            _ when type == typeof(DateTimeOffset) => Now.AddMinutes(property.Name.Length),
            _ when type.IsEnum => Enum.GetValues(type).Cast<object>().Last(v => !Equals(v, property.GetValue(info))),
            _ when type == typeof(WorkerHalt) => new WorkerHalt(HaltReason.PoisonEvent, 12, "payload", "FormatException", "bad", 3, Now),
            _ when type == typeof(PoisonPolicy) => new PoisonPolicy(PoisonAction.DeadLetter, 2),
            _ => throw new InvalidOperationException($"no test value for WorkerInfo.{property.Name} of type {type}: add one here"),
        };
        property.SetValue(copy, value);
        return copy;
    }
}
