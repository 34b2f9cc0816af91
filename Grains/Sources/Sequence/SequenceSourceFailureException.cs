namespace Overseer.Sources.Sequence;

/// <summary>The injected failure of the sequence source's <c>failAfter</c> option.</summary>
internal sealed class SequenceSourceFailureException(string workerId, long failAfter, long checkpoint)
    : Exception($"sequence source of '{workerId}' failed as configured (failAfter={failAfter}) at checkpoint {checkpoint}");
