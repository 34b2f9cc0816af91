using Overseer.Cli;
using Overseer.Cli.Commands;

namespace Overseer.Tests.Unit;

/// <summary>Parsing of the operations commands (silos, watch); nothing here connects.</summary>
public sealed class OpsCommandLineTests
{
    [Theory]
    [InlineData("silos")]
    [InlineData("silos", "--all", "--json")]
    [InlineData("watch")]
    [InlineData("watch", "--interval", "0.5", "--top", "3", "--once", "--json")]
    [InlineData("watch", "--top=0")]
    public void Parse_AcceptsTheDocumentedForms(params string[] args) => Assert.NotNull(CommandCatalog.Parse(args));

    [Theory]
    [InlineData("option --all takes no value", "silos", "--all=yes")]
    [InlineData("unknown option '--top': 'silos' takes --all and --json", "silos", "--top", "3")]
    [InlineData("invalid --interval '0': expected a number of seconds > 0", "watch", "--interval", "0")]
    [InlineData("invalid --top '1001': expected a whole number from 0 to 1000", "watch", "--top", "1001")]
    [InlineData("invalid --top '-1': expected a whole number >= 0", "watch", "--top=-1")]
    public void Parse_RefusesBadInput_NamingTheOption(string message, params string[] args)
    {
        var e = Assert.Throws<UsageException>(() => CommandCatalog.Parse(args));

        Assert.Equal(message, e.Message);
    }
}
