using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Overseer.Silo.Hosting;

/// <summary>Binds a configuration section onto an options object, accepting friendly durations, and refusing
/// unknown keys and bad values with messages that name the full key (a typo must not be silently ignored).</summary>
internal static class StrictSectionBinder
{
    public static void Bind(IConfigurationSection section, object target, List<string> problems)
    {
        var properties = target.GetType()
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && IsSupported(Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType))
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (child.Value is null && child.GetChildren().Any())
            {
                continue; // a nested section, bound on its own
            }

            if (!properties.TryGetValue(child.Key, out var property))
            {
                problems.Add($"{child.Path} is not a known setting; valid keys under {section.Path}: {string.Join(", ", properties.Keys.Order())}");
                continue;
            }

            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (TryConvert(child.Value, type, out var value, out var expected))
            {
                property.SetValue(target, value);
            }
            else
            {
                problems.Add($"{child.Path} is '{child.Value}': expected {expected}");
            }
        }
    }

    private static bool IsSupported(Type t) =>
        t == typeof(TimeSpan) || t == typeof(int) || t == typeof(bool) || t == typeof(double) || t == typeof(string);

    private static bool TryConvert(string? raw, Type type, out object? value, out string expected)
    {
        value = null;
        if (type == typeof(TimeSpan))
        {
            expected = DurationParser.Expected;
            var ok = DurationParser.TryParse(raw, out var span);
            value = span;
            return ok;
        }

        if (type == typeof(int))
        {
            expected = "an integer";
            var ok = int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i);
            value = i;
            return ok;
        }

        if (type == typeof(bool))
        {
            expected = "true or false";
            var ok = bool.TryParse(raw, out var b);
            value = b;
            return ok;
        }

        if (type == typeof(double))
        {
            expected = "a number";
            var ok = double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d);
            value = d;
            return ok;
        }

        expected = "a string";
        value = raw;
        return raw is not null;
    }
}
