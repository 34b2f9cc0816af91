using Overseer.Handlers;

namespace Overseer.Tests.Grains;

/// <summary>A stream handler for tests: each payload is rewritten to <c>{prefix}{payload}</c> before it is appended
/// (option <c>prefix</c>, default <c>x:</c>).</summary>
public sealed class PrefixHandler : IStreamHandler
{
    public const string Name = "prefix";

    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) =>
        [.. options.Keys.Where(k => k != "prefix").Select(k => $"unknown handler option '{k}' for handler {Name}: valid options are prefix")];

    public ValueTask<IReadOnlyList<string>> TransformAsync(HandlerBatch batch, CancellationToken cancellationToken)
    {
        var prefix = batch.Options.GetValueOrDefault("prefix", "x:");
        return ValueTask.FromResult<IReadOnlyList<string>>([.. batch.Events.Select(e => prefix + e.Payload)]);
    }
}
