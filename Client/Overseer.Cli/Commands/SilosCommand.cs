namespace Overseer.Cli.Commands;

internal static class SilosCommand
{
    public static CliCommand Create()
    {
        var all = CliOptions.Flag("--all", "dead silos too");
        return new CliCommand("silos", "list silos: address, name, status, running workers and partitions hosted (--all: dead silos too)", async (parse, context, ct) =>
        {
            var client = await context.ConnectAsync(ct);
            var silos = await client.GetSilosAsync(includeDead: parse.GetValue(all), ct);
            await context.Output.SilosAsync(silos, ct);
        })
        {
            all,
        };
    }
}
