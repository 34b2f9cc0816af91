using System.ComponentModel;
using System.Globalization;

namespace Overseer.Hosting;

/// <summary>Lets the configuration binder read every <see cref="TimeSpan"/> setting as operators write it (<c>500ms</c>,
/// <c>2s</c>, <c>1m</c>, or a plain <c>00:00:02</c>; see <see cref="DurationParser"/>). The binder converts through
/// <see cref="TypeDescriptor.GetConverter(Type)"/>, so registering this converter for <see cref="TimeSpan"/> is the
/// binder's own extension point; it applies process-wide, which is what a silo wants.</summary>
internal sealed class DurationConverter : TimeSpanConverter
{
    private static int _registered;

    /// <summary>Registers the converter for <see cref="TimeSpan"/> (and so <see cref="Nullable{TimeSpan}"/>); idempotent.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            TypeDescriptor.AddAttributes(typeof(TimeSpan), new TypeConverterAttribute(typeof(DurationConverter)));
        }
    }

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is not string text ? base.ConvertFrom(context, culture, value)
        : DurationParser.TryParse(text, out var duration) ? duration
        : throw new FormatException($"'{text}' is not {DurationParser.Expected}");
}
