namespace Overseer.Silo.Hosting;

/// <summary>A setting that prevents start-up; the message names the key, the value and what would be valid.</summary>
public sealed class SiloConfigurationException(string message) : Exception(message);
