namespace Overseer.Models;

/// <summary>A partition's answer to a <see cref="SiloHeartbeat"/>.</summary>
[GenerateSerializer, Alias("overseer.HeartbeatAnswer")]
public enum HeartbeatAnswer
{
    /// <summary>Taken: the partition holds the silo's set as the message leaves it.</summary>
    Taken = 0,

    /// <summary>Older than a message already taken from the silo (it arrived late): ignored.</summary>
    Stale = 1,

    /// <summary>The partition lost track of the silo's set (reactivated, a new silo or incarnation, a gap in the
    /// sequence): the change was not taken, and the silo sends the whole set.</summary>
    WholeSetWanted = 2,
}
