using Overseer.ReferenceSource.Http;

namespace Overseer.ReferenceSource.Feeds;

/// <summary>The feed name rule: 1 to 64 characters of <c>A-Z a-z 0-9 . _ -</c>.</summary>
internal static class FeedNames
{
    public const int MaxLength = 64;
    public const string Rule = "1-64 characters of A-Z a-z 0-9 . _ -";

    /// <summary>Null when <paramref name="name"/> is valid, otherwise the message for the caller.</summary>
    public static string? Check(string? name) =>
        IsValid(name) ? null : $"feed name '{Quote.Shorten(name ?? string.Empty)}' is invalid: expected {Rule}";

    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
