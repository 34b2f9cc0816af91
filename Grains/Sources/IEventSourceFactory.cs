namespace Overseer.Sources;

/// <summary>Creates sources of one kind. Registered as a keyed singleton under the kind name
/// (see <see cref="Hosting.OverseerBuilder.AddSource{TFactory}"/>).</summary>
public interface IEventSourceFactory
{
    /// <summary>Problems with the options, each naming the option, the bad value and what is valid; empty when valid.</summary>
    IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options);

    /// <summary>Whether this kind's sequence numbers are dense (every integer) or sparse; the sink refuses a batch of a
    /// dense source that does not start at checkpoint + 1 or has a hole.</summary>
    SequenceDensity Density { get; }

    /// <summary>A source for one run of one worker; options have been validated.</summary>
    IEventSource Create(SourceContext context);

    /// <summary>The source token a run needs to resume right after <paramref name="seq"/> (what it would have committed
    /// with that checkpoint), for a rewind to <paramref name="seq"/>; null when this kind needs none (or for seq 0, the
    /// start). Called with the worker stopped, before the cursor is moved back.</summary>
    /// <exception cref="Errors.OverseerException">When the token cannot be known (e.g. the source is unreachable): the
    /// rewind is refused and nothing changes.</exception>
    ValueTask<string?> TokenAtAsync(SourceContext context, long seq, CancellationToken cancellationToken) =>
        ValueTask.FromResult<string?>(null);
}
