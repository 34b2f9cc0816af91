using Microsoft.Extensions.Options;
using Overseer.Hosting;

try
{
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions
    {
        Args = args,
        ContentRootPath = AppContext.BaseDirectory, // appsettings.json ships next to the binary
    });
    builder.AddOverseer();
    var app = builder.Build();
    app.MapOverseer();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is SiloConfigurationException or OptionsValidationException)
{
    await Console.Error.WriteLineAsync($"error: {ex.Message}");
    return 1;
}
