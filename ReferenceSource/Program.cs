using Overseer.ReferenceSource.Hosting;

if (ReferenceSourceCommandLine.TryWriteHelp(args, Console.Out))
{
    return 0;
}

try
{
    // The command line is parsed by ReferenceSourceCommandLine alone (strictly), so it is not handed to the builder.
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
    builder.AddReferenceSource(args);
    var app = builder.Build();
    app.MapReferenceSource();
    await app.RunAsync();
    return 0;
}
catch (CommandLineException ex)
{
    await Console.Error.WriteLineAsync($"error: {ex.Message}");
    ReferenceSourceCommandLine.WriteUsage(Console.Error);
    return 1;
}
