using Microsoft.Extensions.DependencyInjection;

namespace Overseer.Sources;

/// <summary>Registration of source kinds: one line per kind.</summary>
internal static class SourceServiceCollectionExtensions
{
    /// <summary>Registers <typeparamref name="TFactory"/> as the source kind <paramref name="kind"/>
    /// (usable as <c>start &lt;id&gt; --source kind</c>).</summary>
    public static IServiceCollection AddEventSource<TFactory>(this IServiceCollection services, string kind)
        where TFactory : class, IEventSourceFactory
    {
        services.AddKeyedSingleton<IEventSourceFactory, TFactory>(kind);
        services.AddSingleton(new SourceKind(kind));
        return services;
    }
}
