using System.ComponentModel;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Overseer.Hosting.Dashboard;

namespace Overseer.Hosting;

/// <summary>
/// Options sections bound by the configuration binder with its own strictness
/// (<see cref="BinderOptions.ErrorOnUnknownConfiguration"/>), so a typo'd key stops start-up instead of being ignored,
/// and durations read through <see cref="DurationConverter"/>. What is ours is only the wording of a refusal: the
/// binder's exception names the type, not the full key and what is valid, so the message is rebuilt from the section.
/// </summary>
internal static class SiloConfiguration
{
    /// <summary>Sub-sections of <c>Overseer</c> bound to options of their own (and the client's, which shares
    /// the environment), so they are not unknown keys of <see cref="OverseerOptions"/>.</summary>
    private static readonly string[] OwnedSections =
        [SupervisionOptions.SectionName, PoolOptions.SectionName, RedisDurabilityOptions.SectionName, DashboardAccessOptions.SectionName, TelemetryOptions.SectionName, StartupOptions.SectionName, "Overseer:Client"];

    static SiloConfiguration() => DurationConverter.Register();

    /// <summary>The binder settings for every silo section: unknown keys are errors.</summary>
    public static void Strict(BinderOptions binder) => binder.ErrorOnUnknownConfiguration = true;

    /// <summary>The section <paramref name="name"/> as its options see it: without the sub-sections other options own.</summary>
    public static IConfigurationSection Section(IConfiguration config, string name)
    {
        var section = config.GetSection(name);
        var owned = OwnedSections.Where(s => s.StartsWith(name + ConfigurationPath.KeyDelimiter, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (owned.Length == 0)
        {
            return section;
        }

        // A snapshot keeps the full keys, so the binder's errors still name e.g. Overseer:Partitions.
        var values = section.AsEnumerable().Where(kv => !owned.Any(o =>
            kv.Key.Equals(o, StringComparison.OrdinalIgnoreCase) || kv.Key.StartsWith(o + ConfigurationPath.KeyDelimiter, StringComparison.OrdinalIgnoreCase)));
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(name);
    }

    /// <summary>Binds and validates eagerly, so a bad key or value stops start-up before anything connects.</summary>
    /// <exception cref="SiloConfigurationException">A key is unknown, a value does not convert, or validation failed.</exception>
    public static T Bind<T>(IConfiguration config, string name, Func<string?, T, ValidateOptionsResult>? validate = null)
        where T : class, new()
    {
        var section = Section(config, name);
        var options = new T();
        try
        {
            section.Bind(options, Strict);
        }
        catch (InvalidOperationException e)
        {
            throw new SiloConfigurationException(Describe(e, section, typeof(T)));
        }

        return validate?.Invoke(null, options) is { Failed: true } result
            ? throw new SiloConfigurationException(string.Join(Environment.NewLine, result.Failures))
            : options;
    }

    /// <summary>Names the key, the value and what is valid. The offending key is found with the converters the binder
    /// itself used (<see cref="TypeDescriptor"/>), so the judgement stays the binder's.</summary>
    private static string Describe(InvalidOperationException e, IConfigurationSection section, Type type)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                problems.Add($"{child.Path} is not a known setting; valid keys under {section.Path}: {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))}");
            }
            else if (child.Value is { } value && !Converts(property.PropertyType, value))
            {
                problems.Add($"{child.Path} is '{value}': expected {Expected(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType)}");
            }
        }

        return problems.Count > 0 ? string.Join(Environment.NewLine, problems)
            : e.InnerException is { } inner ? $"{e.Message.TrimEnd('.')}: {inner.Message}"
            : e.Message;
    }

    private static bool Converts(Type type, string value)
    {
        try
        {
            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException or OverflowException)
        {
            return false;
        }
    }

    private static string Expected(Type type) =>
        type == typeof(TimeSpan) ? DurationParser.Expected
        : type == typeof(bool) ? "true or false"
        : type == typeof(int) || type == typeof(long) ? "an integer"
        : type == typeof(double) ? "a number"
        : type.IsEnum ? string.Join(", ", Enum.GetNames(type))
        : $"a {type.Name}";
}
