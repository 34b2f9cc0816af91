using Overseer.ReferenceSource.Hosting;

if (ReferenceSourceCommandLine.IsHelp(args))
{
    Console.WriteLine(ReferenceSourceCommandLine.Usage);
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
    await Console.Error.WriteLineAsync(ReferenceSourceCommandLine.Usage);
    return 1;
}
