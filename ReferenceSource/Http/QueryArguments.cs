using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Overseer.ReferenceSource.Http;

/// <summary>Whole-number query parameters with a range; failures name the parameter, the value and the range.</summary>
internal static class QueryArguments
{
    /// <summary>Reads <paramref name="name"/>, or <paramref name="fallback"/> when it is absent.</summary>
    /// <returns>Null when the value is valid, otherwise the message for the caller.</returns>
    public static string? TryRead(IQueryCollection query, string name, long fallback, long min, long max, out long value)
    {
        value = fallback;
        if (!query.TryGetValue(name, out var values))
        {
            return null;
        }

        var text = values.Count == 1 ? values[0] : null;
        if (text is not null
            && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)
            && value >= min && value <= max)
        {
            return null;
        }

        var shown = values.Count == 1 ? $"'{Quote.Shorten(text ?? string.Empty)}'" : $"given {values.Count} times";
        return $"{name} is {shown}: expected a whole number {min}..{max}";
    }
}
