namespace Overseer.Errors;

/// <summary>A refused operation, with a message that names the bad value and what would be valid.</summary>
[GenerateSerializer, Alias("overseer.OverseerException")]
public sealed class OverseerException : Exception
{
    public OverseerException(OverseerErrorCode code, string message) : base(message) => Code = code;

    [Id(0)] public OverseerErrorCode Code { get; private set; }

    public static OverseerException Invalid(string message) => new(OverseerErrorCode.InvalidArgument, message);

    public static OverseerException Unknown(string id) =>
        new(OverseerErrorCode.UnknownWorker, $"unknown worker '{id}': no worker with this id was ever started");

    public static OverseerException Conflict(string message) => new(OverseerErrorCode.Conflict, message);

    public static OverseerException PoolFull(string message) => new(OverseerErrorCode.PoolFull, message);
}
