namespace Overseer.Cli.Commands;

internal sealed class SilosCommand(bool all, bool json) : ICommand
{
    public static readonly CommandInfo Info = new(
        "silos",
        "silos [--all] [--json]",
        "list silos: address, name, status, running workers and partitions hosted (--all: dead silos too)",
        [],
        [],
        args => new SilosCommand(args.Flag("--all"), args.Json),
        ["--all"]);

    public bool Json => json;

    public async Task ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var client = await context.ConnectAsync(cancellationToken);
        var silos = await client.GetSilosAsync(includeDead: all, cancellationToken);
        await context.Output.SilosAsync(silos, cancellationToken);
    }
}
