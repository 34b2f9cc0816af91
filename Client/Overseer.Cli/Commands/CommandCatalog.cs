namespace Overseer.Cli.Commands;

/// <summary>Every command, and the dispatch from the first argument to its parser.</summary>
internal static class CommandCatalog
{
    public const string Program = "overseer";

    public const string GeneralUsage = "<command> [arguments] [--json]   (see 'overseer help')";

    public static readonly IReadOnlyList<CommandInfo> All =
    [
        StartCommand.Info,
        StopCommand.Info,
        ResumeCommand.Info,
        StatusCommand.Info,
        ListCommand.Info,
        SummaryCommand.Info,
        SilosCommand.Info,
        WatchCommand.Info,
        EventsCommand.Info,
        HelpCommand.Info,
    ];

    public static ICommand Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            throw new UsageException("no command given", GeneralUsage);
        }

        var name = args[0];
        if (name is "--help" or "-h")
        {
            return new HelpCommand(null);
        }

        var info = Find(name) ?? throw new UsageException(
            $"unknown command '{name}': expected one of {string.Join(", ", All.Select(c => c.Name))}", GeneralUsage);
        var reader = new ArgReader(info, args.Skip(1).ToArray());
        return reader.Help ? new HelpCommand(info) : info.Parse(reader);
    }

    public static CommandInfo? Find(string name) => All.FirstOrDefault(c => c.Name == name);
}
