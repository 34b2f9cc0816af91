using Orleans.Runtime;

namespace Overseer.Errors;

/// <summary>Every failure an Overseer grain reports to its caller: a refusal, with a message that names the bad value and
/// what would be valid; a store outage (<see cref="OverseerErrorCode.Unavailable"/>); or a fault inside the cluster
/// (<see cref="OverseerErrorCode.Internal"/>). It never carries an inner exception, so any client can read it.</summary>
/// <remarks>A grain whose activation failed (its state could not be read) reaches the caller as the Orleans runtime's
/// <c>OrleansException</c> around this exception; <see cref="FindIn"/> finds it there.</remarks>
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

    /// <summary>A store or silo of the cluster is not reachable right now; <paramref name="message"/> names which.</summary>
    public static OverseerException Unavailable(string message) => new(OverseerErrorCode.Unavailable, message);

    /// <summary>An unexpected fault inside the cluster; <paramref name="message"/> names the original exception.</summary>
    public static OverseerException Internal(string message) => new(OverseerErrorCode.Internal, message);

    /// <summary>The <see cref="OverseerException"/> that <paramref name="exception"/> is, or that the Orleans runtime
    /// wrapped in it (a plain <c>OrleansException</c> or an <see cref="AggregateException"/> of one, as when a grain's
    /// activation fails); null when there is none.</summary>
    public static OverseerException? FindIn(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case OverseerException contract:
                    return contract;
                case AggregateException { InnerExceptions.Count: 1 }:
                    continue;
                default:
                    if (e.GetType() != typeof(OrleansException))
                    {
                        return null;
                    }

                    break;
            }
        }

        return null;
    }
}
