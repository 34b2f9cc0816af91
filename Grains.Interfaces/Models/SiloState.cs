namespace Overseer.Models;

/// <summary>A silo's membership status, with the same values as Orleans' <c>SiloStatus</c> so a client need not
/// reference the runtime to read it.</summary>
[GenerateSerializer, Alias("overseer.SiloState")]
public enum SiloState
{
    /// <summary>Not in the membership table (a registry row still names it).</summary>
    Unknown = 0,
    Created = 1,
    Joining = 2,
    Active = 3,
    ShuttingDown = 4,
    Stopping = 5,
    Dead = 6,
}
