namespace Overseer.Sources;

/// <summary>Optional: what a source can tell about itself for status rows and lag.</summary>
public interface ISourceHandlerStatus
{
    /// <summary>The active handler, e.g. <c>push</c> or <c>poll</c>.</summary>
    string Handler { get; }

    /// <summary>Switches from the preferred handler to the fallback since this source was created.</summary>
    int Failovers { get; }

    /// <summary>The source's head (highest sequence number it knows of), when it knows one.</summary>
    long? Head { get; }
}
