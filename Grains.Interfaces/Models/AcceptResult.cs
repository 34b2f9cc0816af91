namespace Overseer.Models;

/// <summary>What an <c>accept</c> did: the worker continues from its checkpoint with the handler version of the silo that
/// ran the command, and only that version's batches commit from then on.</summary>
/// <param name="Worker">The worker afterwards (running, or pending for a slot).</param>
/// <param name="FromVersion">The version its effects were committed with until now (null when none was recorded).</param>
/// <param name="ToVersion">The version it continues with.</param>
[GenerateSerializer, Immutable, Alias("overseer.AcceptResult")]
public sealed record AcceptResult(
    [property: Id(0)] WorkerInfo Worker,
    [property: Id(1)] int? FromVersion,
    [property: Id(2)] int ToVersion);
