namespace Overseer.Hosting;

/// <summary>A setting that prevents start-up, thrown by
/// <see cref="OverseerHostingExtensions.AddOverseer(Microsoft.AspNetCore.Builder.WebApplicationBuilder, Action{OverseerBuilder})"/>;
/// the message names the key, the value and what would be valid (never a password), ready to print for the
/// operator.</summary>
/// <param name="message">What is wrong and what would be valid.</param>
public sealed class SiloConfigurationException(string message) : Exception(message);
