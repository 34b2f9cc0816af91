using System.Collections.Immutable;

namespace Overseer.Models;

/// <summary>What a worker indexes and how it is supervised.</summary>
/// <param name="Source">The source kind, e.g. <c>sequence</c>.</param>
/// <param name="Options">Source options as string key/values; their meaning belongs to the source kind.</param>
/// <param name="Restart">The restart policy.</param>
/// <param name="MaxRestarts">Restarts allowed within <paramref name="RestartWindow"/>; null = the cluster default.</param>
/// <param name="RestartWindow">The restart-intensity window; null = the cluster default.</param>
/// <param name="Handler">The registered handler the worker's batches go through, e.g. <c>erc20</c>; null = none (events
/// are appended to the worker's Redis stream as the source returned them). The handler decides the worker's output.</param>
/// <param name="HandlerOptions">Handler options as string key/values; their meaning belongs to the handler; null = none.</param>
/// <param name="Poison">What a handler failure on one event (not an outage) does; null = <see cref="PoisonPolicy.Default"/>
/// (halt at once).</param>
[GenerateSerializer, Immutable, Alias("overseer.WorkerSpec")]
public sealed record WorkerSpec(
    [property: Id(0)] string Source,
    [property: Id(1)] ImmutableSortedDictionary<string, string> Options,
    [property: Id(2)] RestartPolicy Restart = RestartPolicy.Transient,
    [property: Id(3)] int? MaxRestarts = null,
    [property: Id(4)] TimeSpan? RestartWindow = null,
    [property: Id(5)] string? Handler = null,
    [property: Id(6)] ImmutableSortedDictionary<string, string>? HandlerOptions = null,
    [property: Id(7)] PoisonPolicy? Poison = null)
{
    /// <summary>The poison policy in force (the default when the spec names none).</summary>
    public PoisonPolicy PoisonOrDefault => Poison ?? PoisonPolicy.Default;

    /// <summary>A spec with no options.</summary>
    public static WorkerSpec For(string source, params (string Key, string Value)[] options) =>
        new(source, options.ToImmutableSortedDictionary(o => o.Key, o => o.Value, StringComparer.Ordinal));

    /// <summary>Value equality, including the options (records compare dictionaries by reference).</summary>
    public bool IsEquivalentTo(WorkerSpec other) =>
        Source == other.Source
        && Restart == other.Restart
        && MaxRestarts == other.MaxRestarts
        && RestartWindow == other.RestartWindow
        && Handler == other.Handler
        && PoisonOrDefault == other.PoisonOrDefault
        && SameOptions(Options, other.Options)
        && SameOptions(HandlerOptions ?? ImmutableSortedDictionary<string, string>.Empty, other.HandlerOptions ?? ImmutableSortedDictionary<string, string>.Empty);

    /// <summary>A one-line rendering for error messages.</summary>
    public string Describe() =>
        $"source={Source} restart={Restart.ToString().ToLowerInvariant()}"
        + (MaxRestarts is { } m ? $" max-restarts={m}" : "")
        + (RestartWindow is { } w ? $" restart-window={w.TotalSeconds}s" : "")
        + string.Concat(Options.Select(o => $" {o.Key}={o.Value}"))
        + (Handler is { } h ? $" handler={h}" : "")
        + (Poison is { } p && p != PoisonPolicy.Default ? $" on-poison={p.Describe()}" : "")
        + string.Concat((HandlerOptions ?? ImmutableSortedDictionary<string, string>.Empty).Select(o => $" handler.{o.Key}={o.Value}"));

    private static bool SameOptions(ImmutableSortedDictionary<string, string> a, ImmutableSortedDictionary<string, string> b) =>
        a.Count == b.Count && a.All(o => b.TryGetValue(o.Key, out var v) && v == o.Value);
}
