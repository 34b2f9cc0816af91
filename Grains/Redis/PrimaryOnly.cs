namespace Overseer.Redis;

/// <summary>How a script of ours begins when what it reads decides anything (a commit, a claim, a create, a stop, a
/// rollback, a rewind, a delete, a cursor read): with Redis 7's shebang and without its <c>no-writes</c> flag, so that a
/// replica refuses to run it at all (<c>READONLY</c>: an outage the retrying store rides out until the primary answers)
/// instead of answering from data that may be behind the primary's.</summary>
/// <remarks>Without it a replica runs a script until its first write, and a path that writes nothing (a commit that
/// finds the store behind, a claim that finds the worker stopped, a read) answers from the replica. Found in a Sentinel
/// failover: while StackExchange.Redis still took a replica that lagged for the primary, a worker's commit ran there,
/// found the checkpoint two batches behind and answered "the store lost commits"; the worker went back to that checkpoint
/// and crashed on "checkpoint moved" once the real primary answered. Redis 7.0 or later, as the commit's
/// <c>SPUBLISH</c> needs anyway.</remarks>
internal static class PrimaryOnly
{
    /// <summary>The first line of every such script.</summary>
    public const string Shebang = "#!lua\n";
}
