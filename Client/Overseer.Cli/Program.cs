using Overseer.Cli;

return await CliApp.RunAsync(args);
