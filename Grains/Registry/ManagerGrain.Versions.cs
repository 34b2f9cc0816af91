using Overseer.Models;

namespace Overseer.Registry;

/// <summary>Handler versions: the operator's accept, recorded in the audit stream like a rewind.</summary>
internal sealed partial class ManagerGrain
{
    public Task<AcceptResult> AcceptAsync(string id, string actor, CancellationToken cancellationToken = default)
    {
        EnsureValid(id);
        return audit.RecordAsync(
            actor, "accept", id, "",
            async () =>
            {
                // As a resume: the registry row exists before the worker runs again.
                var info = await Worker(id).GetInfoAsync(cancellationToken);
                await PartitionOf(id).RegisterAsync(id, info.Source, cancellationToken);
                return await Worker(id).AcceptAsync(cancellationToken);
            },
            r => $"handler version {r.FromVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} -> {r.ToVersion} at checkpoint {r.Worker.Checkpoint}, now {r.Worker.Status.ToString().ToLowerInvariant()}",
            cancellationToken);
    }
}
