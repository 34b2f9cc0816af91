using System.Globalization;

namespace Overseer.Sources;

/// <summary>Reads typed source options and collects problems that name the option, the value and the valid range.</summary>
internal sealed class SourceOptionReader(string kind, IReadOnlyDictionary<string, string> options, IReadOnlyCollection<string> known)
{
    private readonly List<string> _problems = [];

    public IReadOnlyList<string> Problems
    {
        get
        {
            var unknown = options.Keys.Where(k => !known.Contains(k)).Order(StringComparer.Ordinal).ToList();
            return unknown.Count == 0
                ? _problems
                : [.. _problems, .. unknown.Select(k => $"unknown option '{k}' for source {kind}: valid options are {string.Join(", ", known)}")];
        }
    }

    public long? Int64(string name, long min, long max)
    {
        if (!options.TryGetValue(name, out var raw))
        {
            return null;
        }

        if (long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        _problems.Add($"invalid option {name}='{raw}' for source {kind}: expected an integer from {min} to {max}");
        return null;
    }

    public string? String(string name, Func<string, bool> isValid, string expected)
    {
        if (!options.TryGetValue(name, out var raw))
        {
            return null;
        }

        if (isValid(raw))
        {
            return raw;
        }

        _problems.Add($"invalid option {name}='{raw}' for source {kind}: expected {expected}");
        return null;
    }
}
