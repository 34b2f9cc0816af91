using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Overseer.ReferenceSource.Hosting;

namespace Overseer.ReferenceSource.Feeds;

/// <summary>Every feed used so far; a feed comes into being on first use, and its clock starts then or, with
/// <c>--epoch</c>, at the epoch.</summary>
/// <remarks>Feeds are never removed: each costs a few dozen bytes, and dropping one would reset its sequence.</remarks>
internal sealed class FeedRegistry(IOptions<ReferenceSourceOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Feed> feeds = new(StringComparer.Ordinal);
    private readonly Func<string, Feed> create = name => new Feed(name, options.Value.Rate, time, options.Value.Epoch);

    /// <summary>The feed called <paramref name="name"/>, which must satisfy <see cref="FeedNames.IsValid"/>.</summary>
    public Feed Get(string name) => feeds.GetOrAdd(name, create);
}
