namespace Overseer.Tests.Cluster;

internal static class ExactlyOnce
{
    /// <summary>The stream holds 1..<paramref name="last"/>, each once, in order.</summary>
    public static void Assert(string workerId, IReadOnlyList<long> seqs, long last)
    {
        Xunit.Assert.True(seqs.Count == last, $"worker '{workerId}' has {seqs.Count} events, expected exactly {last}");
        for (var i = 0; i < seqs.Count; i++)
        {
            Xunit.Assert.True(seqs[i] == i + 1, $"worker '{workerId}' event #{i} is seq {seqs[i]}, expected {i + 1} (gap or duplicate)");
        }
    }
}
