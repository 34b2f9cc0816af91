namespace Overseer.ReferenceSource.Http;

/// <summary>Caller-supplied values echoed in error messages, cut to a readable length.</summary>
internal static class Quote
{
    private const int MaxEchoed = 100;

    public static string Shorten(string value) => value.Length <= MaxEchoed ? value : string.Concat(value.AsSpan(0, MaxEchoed), "…");
}
