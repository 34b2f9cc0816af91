namespace Overseer.Sources;

/// <summary>What a source promises about its sequence numbers; the sink enforces it at every commit.</summary>
public enum SequenceDensity
{
    /// <summary>Every integer from 1 on (a counter, a feed's offsets): a batch must start at checkpoint + 1 and have no
    /// hole, so a gap is refused rather than committed.</summary>
    Dense = 0,

    /// <summary>Strictly increasing but with holes (e.g. positions derived from block number and log index).</summary>
    Sparse = 1,
}
