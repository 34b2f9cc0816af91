namespace Overseer.Hosting;

/// <summary>How long a silo's start-up waits for what it needs, bound from <c>Overseer:Startup</c>.</summary>
internal sealed class StartupOptions
{
    public const string SectionName = "Overseer:Startup";

    /// <summary>The longest a start-up accepts for Redis: for its first answer (a server still starting or loading its
    /// data), and again for each later start-up step that a briefly unavailable Redis interrupts. Then the silo exits
    /// with <c>cannot reach Redis at …</c>. Default 30 s. A refused password or an untrusted certificate ends it at
    /// once.</summary>
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
