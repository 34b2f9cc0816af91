namespace Overseer.Models;

/// <summary>One indexed event, as committed to the worker's sink.</summary>
[GenerateSerializer, Immutable, Alias("overseer.WorkerEvent")]
public sealed record WorkerEvent([property: Id(0)] long Seq, [property: Id(1)] string Payload);
