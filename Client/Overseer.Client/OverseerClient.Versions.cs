using Overseer.Errors;
using Overseer.Models;

namespace Overseer.Client;

/// <summary>Handler versions: the operator's answer to a worker that waits on a handler version change.</summary>
public sealed partial class OverseerClient
{
    /// <summary>Continues a worker that halted because its handler's version is not the one its effects were committed with:
    /// from its checkpoint, with the handler version of the silo that runs the command (fenced, recorded in the audit
    /// stream). To rebuild with the new version instead, <see cref="RewindAsync"/> it to 0.</summary>
    /// <exception cref="OverseerException">With <see cref="OverseerErrorCode.Conflict"/> when the worker is not waiting on a
    /// version change.</exception>
    public Task<AcceptResult> AcceptAsync(string id, CancellationToken cancellationToken = default)
    {
        ValidateId(id);
        return CommandAsync(() => Manager.AcceptAsync(id, Actor, cancellationToken), NotKnownToBeDone<AcceptResult>, cancellationToken);
    }
}
