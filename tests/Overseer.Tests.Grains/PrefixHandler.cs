using Overseer.Handlers;

namespace Overseer.Tests.Grains;

/// <summary>A stream handler for tests: each payload is rewritten to <c>{prefix}{payload}</c> before it is appended
/// (option <c>prefix</c>, default <c>x:</c>); option <c>failAt=N</c> makes it throw on seq N (a poison event).</summary>
public sealed class PrefixHandler : IStreamHandler
{
    public const string Name = "prefix";

    public IReadOnlyList<string> Validate(IReadOnlyDictionary<string, string> options) =>
        [.. options.Keys.Where(k => k is not ("prefix" or "failAt")).Select(k => $"unknown handler option '{k}' for handler {Name}: valid options are prefix, failAt")];

    public ValueTask<IReadOnlyList<string>> TransformAsync(HandlerBatch batch, CancellationToken cancellationToken)
    {
        var prefix = batch.Options.GetValueOrDefault("prefix", "x:");
        if (batch.Options.TryGetValue("failAt", out var failAt) && batch.Events.Any(e => e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture) == failAt))
        {
            throw new FormatException($"handler {Name} cannot decode seq {failAt} of worker '{batch.WorkerId}'");
        }

        return ValueTask.FromResult<IReadOnlyList<string>>([.. batch.Events.Select(e => prefix + e.Payload)]);
    }
}
