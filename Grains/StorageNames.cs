namespace Overseer;

/// <summary>Names of the grain-storage providers the grains use.</summary>
internal static class StorageNames
{
    /// <summary>The Redis grain storage holding worker state.</summary>
    public const string Workers = "overseer";
}
