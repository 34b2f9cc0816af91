using System.Text.Json;

namespace Overseer.Cli;

/// <summary>How enum values are spelled on the command line, in text and in JSON: lower case
/// (<c>running</c>, <c>transient</c>).</summary>
internal static class EnumNames
{
    public static readonly JsonNamingPolicy Policy = JsonNamingPolicy.SnakeCaseLower;

    public static string Of<TEnum>(TEnum value) where TEnum : struct, Enum => Policy.ConvertName(value.ToString());
}
