using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Overseer.Models;

namespace Overseer.Handlers;

/// <summary>The handlers registered with <see cref="Hosting.OverseerBuilder.AddHandler{THandler}"/>: resolves them by
/// name, knows each one's output, and validates a worker spec's handler part.</summary>
internal sealed class HandlerCatalog(IServiceProvider services, IEnumerable<HandlerKind> kinds)
{
    private readonly Dictionary<string, HandlerKind> _kinds = kinds.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>The registered names, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _kinds.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The handler <paramref name="name"/> and its output; null when no handler has that name.</summary>
    public (IEventHandler Handler, HandlerOutput Output)? Find(string name) =>
        _kinds.TryGetValue(name, out var kind) && services.GetKeyedService<IEventHandler>(name) is { } handler
            ? (handler, kind.Output)
            : null;

    /// <summary>Adds to <paramref name="problems"/> what is wrong with <paramref name="spec"/>'s handler and its options.</summary>
    public void Validate(WorkerSpec spec, List<string> problems)
    {
        var options = spec.HandlerOptions ?? ImmutableSortedDictionary<string, string>.Empty;
        if (spec.Poison?.Validate() is { } poisonProblem)
        {
            problems.Add(poisonProblem);
        }

        if (spec.Handler is null)
        {
            if (spec.Poison is { } p && p != PoisonPolicy.Default)
            {
                problems.Add($"poison policy '{p.Describe()}' was given without a handler: a poison policy decides what a handler's failure on one event does, and a worker without a handler has none (name the handler, or drop --on-poison/--poison-retries)");
            }

            if (options.Count > 0)
            {
                problems.Add($"handler options ({string.Join(", ", options.Keys)}) were given without a handler: name the handler they are for ({Valid()})");
            }

            return;
        }

        if (Find(spec.Handler) is not { } found)
        {
            problems.Add($"unknown handler '{spec.Handler}': {Valid()}");
            return;
        }

        problems.AddRange(found.Handler.Validate(options));
        if (spec.PoisonOrDefault.Action != PoisonAction.Halt && found.Output == HandlerOutput.RedisStream)
        {
            problems.Add($"poison policy '{PoisonPolicy.NameOf(spec.PoisonOrDefault.Action)}' is not possible for handler '{spec.Handler}': {Outputs.Redis.RedisStreamOutput.CannotPass}");
        }
    }

    private string Valid() => _kinds.Count == 0
        ? "no handler is registered in this cluster (a silo host registers them with AddHandler<T>(name))"
        : $"valid handlers are {string.Join(", ", Names)}";
}
