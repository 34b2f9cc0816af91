using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Overseer.Errors;
using Overseer.Models;

namespace Overseer.Sources;

/// <summary>Resolves source kinds by name and validates worker specs against them (and, through
/// <see cref="Handlers.HandlerCatalog"/>, their handler part).</summary>
internal sealed class SourceCatalog(IServiceProvider services, IEnumerable<SourceKind> kinds, Handlers.HandlerCatalog handlers)
{
    private readonly string[] _kinds = kinds.Select(k => k.Name).Order(StringComparer.Ordinal).ToArray();

    internal IReadOnlyList<string> Kinds => _kinds;

    internal IEventSourceFactory Resolve(string kind) =>
        services.GetKeyedService<IEventSourceFactory>(kind)
        ?? throw OverseerException.Invalid($"unknown source kind '{kind}': valid kinds are {string.Join(", ", _kinds)}");

    /// <summary>Throws <see cref="OverseerException"/> naming every problem with the spec.</summary>
    internal void Validate(WorkerSpec spec)
    {
        if (spec is null)
        {
            throw OverseerException.Invalid("a worker spec is required");
        }

        var problems = new List<string>();
        if (spec.MaxRestarts is < 0 or > 1_000_000)
        {
            problems.Add($"invalid max-restarts {spec.MaxRestarts}: expected 0..1000000");
        }

        if (spec.RestartWindow is { } w && (w <= TimeSpan.Zero || w > TimeSpan.FromDays(1)))
        {
            problems.Add($"invalid restart-window {w.TotalSeconds} s: expected more than 0 and at most 86400 s");
        }

        if (!Enum.IsDefined(spec.Restart))
        {
            problems.Add($"invalid restart policy {(int)spec.Restart}: expected transient, permanent or temporary");
        }

        if (string.IsNullOrWhiteSpace(spec.Source))
        {
            problems.Add($"a source kind is required: valid kinds are {string.Join(", ", _kinds)}");
        }
        else if (services.GetKeyedService<IEventSourceFactory>(spec.Source) is not { } factory)
        {
            problems.Add($"unknown source kind '{spec.Source}': valid kinds are {string.Join(", ", _kinds)}");
        }
        else
        {
            problems.AddRange(factory.Validate(spec.Options ?? ImmutableSortedDictionary<string, string>.Empty));
        }

        handlers.Validate(spec, problems);
        if (problems.Count > 0)
        {
            throw OverseerException.Invalid(string.Join("; ", problems));
        }
    }
}
