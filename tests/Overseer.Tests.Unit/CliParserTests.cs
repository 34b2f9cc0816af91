using System.CommandLine;
using System.Diagnostics;
using Overseer.Cli.Commands;

namespace Overseer.Tests.Unit;

/// <summary>The CLI's System.CommandLine grammar: what it accepts, how it refuses, help and completion; nothing here connects.</summary>
public sealed class CliParserTests
{
    [Theory]
    [InlineData("start", "w-1", "--source", "sequence", "--option", "limit=40", "--option", "batch=7", "--restart", "permanent", "--max-restarts", "9", "--restart-window", "30", "--wait", "1.5", "--json")]
    [InlineData("start", "w-1", "--source=feed", "--try")]
    [InlineData("stop", "w-1")]
    [InlineData("resume", "w-1", "--json")]
    [InlineData("status", "--", "-dash-id")]
    [InlineData("list", "--status", "RUNNING", "--limit", "0")]
    [InlineData("summary", "--json")]
    [InlineData("silos")]
    [InlineData("silos", "--all", "--json")]
    [InlineData("watch")]
    [InlineData("watch", "--interval", "0.5", "--top", "3", "--once", "--json")]
    [InlineData("watch", "--top=0")]
    [InlineData("events", "w-1", "--from", "38", "--count", "5")]
    [InlineData("help")]
    [InlineData("help", "start")]
    [InlineData("completion", "bash")]
    [InlineData("delete", "w-1", "--keep-events", "--json")]
    [InlineData("delete", "--prefix", "load-")]
    [InlineData("delete", "w-1", "w-2", "w-3")]
    [InlineData("rewind", "w-1", "--to", "0")]
    [InlineData("accept", "w-1", "--json")]
    [InlineData("audit", "--limit", "10", "--json")]
    [InlineData("list", "--prefix", "w-")]
    public void Parse_DocumentedForms_ParseToTheirCommand(params string[] args)
    {
        var parse = CliParser.Parse(args);

        Assert.Empty(parse.Errors);
        Assert.Equal(args[0], Assert.IsType<CliCommand>(parse.CommandResult.Command).Name);
    }

    [Fact]
    public void Parse_Start_ReadsEveryValue()
    {
        var parse = CliParser.Parse(["start", "w-1", "--source", "sequence", "--option", "b=2", "--option", "a=1=x", "--wait", "0.25"]);

        Assert.Empty(parse.Errors);
        var options = parse.CommandResult.Command.Options;
        Assert.Equal("sequence", parse.GetValue<string>("--source"));
        Assert.Equal(["a", "b"], parse.GetValue<System.Collections.Immutable.ImmutableSortedDictionary<string, string>>("--option")!.Keys);
        Assert.Equal("1=x", parse.GetValue<System.Collections.Immutable.ImmutableSortedDictionary<string, string>>("--option")!["a"]);
        Assert.Equal(TimeSpan.FromMilliseconds(250), parse.GetValue<TimeSpan?>("--wait"));
        Assert.Contains(options, o => o.Name == "--try");
    }

    [Theory]
    [InlineData("no command given")]
    [InlineData("unknown command 'stauts': expected one of start, stop, resume, status, list, summary, silos, watch, events, delete, rewind, skip, dead-letters, replay, discard, accept, audit, help, completion", "stauts", "x")]
    [InlineData("unexpected argument 'yes'", "silos", "--all=yes")]
    [InlineData("unknown option '--top': 'silos' takes --all and --json", "silos", "--top", "3")]
    [InlineData("unknown option '--x': 'summary' takes only --json", "summary", "--x")]
    [InlineData("unexpected argument 'b'", "status", "a", "b")]
    [InlineData("missing <id>", "status")]
    [InlineData("missing --source <kind>", "start", "w-1")]
    [InlineData("option --top needs a value: expected a whole number from 0 to 1000", "watch", "--top")]
    [InlineData("invalid --interval '0': expected a number of seconds > 0", "watch", "--interval", "0")]
    [InlineData("invalid --top '1001': expected a whole number from 0 to 1000", "watch", "--top", "1001")]
    [InlineData("invalid --top '-1': expected a whole number from 0 to 1000", "watch", "--top=-1")]
    [InlineData("invalid --limit 'ten': expected a whole number >= 0", "list", "--limit", "ten")]
    [InlineData("invalid --from '-1': expected a whole number >= 0", "events", "w-1", "--from", "-1")]
    [InlineData("delete takes either worker ids or --prefix P (not both)", "delete")]
    [InlineData("delete takes either worker ids or --prefix P (not both)", "delete", "w-1", "--prefix", "w")]
    [InlineData("invalid worker id 'a b': character ' ' is not allowed; an id is 1-128 characters of A-Z a-z 0-9 . _ : -", "delete", "w-1", "a b")]
    [InlineData("invalid --prefix '': expected at least one character (a bulk delete of every worker is not offered)", "delete", "--prefix", "")]
    [InlineData("invalid --to '-1': expected a whole number >= 0", "rewind", "w-1", "--to", "-1")]
    [InlineData("invalid --limit '0': expected a whole number from 1 to 10000", "audit", "--limit", "0")]
    [InlineData("invalid --status 'runing': expected pending, running, backoff, stopped, completed, failed or halted", "list", "--status", "runing")]
    [InlineData("invalid --restart 'sometimes': expected transient, permanent or temporary", "start", "w-1", "--source", "sequence", "--restart", "sometimes")]
    [InlineData("invalid --option 'a': expected key=value", "start", "w-1", "--source", "sequence", "--option", "a")]
    [InlineData("invalid --option 'a=2': key 'a' is already set; give each key once", "start", "w-1", "--source", "sequence", "--option", "a=1", "--option", "a=2")]
    [InlineData("--wait and --try exclude each other: --wait blocks until a slot frees, --try refuses at once", "start", "w-1", "--source", "sequence", "--wait", "1", "--try")]
    [InlineData("invalid worker id 'no spaces': character ' ' is not allowed; an id is 1-128 characters of A-Z a-z 0-9 . _ : -", "status", "no spaces")]
    [InlineData("unknown command 'nope': expected one of start, stop, resume, status, list, summary, silos, watch, events, delete, rewind, skip, dead-letters, replay, discard, accept, audit, help, completion", "help", "nope")]
    [InlineData("unsupported shell 'zsh': expected bash", "completion", "zsh")]
    [InlineData("invalid --on-poison 'drop': expected halt, skip or dead-letter", "start", "w-1", "--source", "sequence", "--handler", "h", "--on-poison", "drop")]
    [InlineData("invalid --poison-retries '101': expected a whole number from 0 to 100", "start", "w-1", "--source", "sequence", "--handler", "h", "--poison-retries", "101")]
    [InlineData("missing --seq <SEQ>", "replay", "w-1")]
    [InlineData("invalid --seq '0': expected a whole number >= 1", "skip", "w-1", "--seq", "0")]
    [InlineData("invalid worker id 'a b': character ' ' is not allowed; an id is 1-128 characters of A-Z a-z 0-9 . _ : -", "dead-letters", "a b")]
    public void Parse_BadInput_IsAUsageErrorNamingTheTokenAndWhatIsValid(string message, params string[] args)
    {
        var parse = CliParser.Parse(args);

        Assert.NotEmpty(parse.Errors);
        Assert.Equal(message, UsageError.Of(parse, args).Message);
    }

    [Fact]
    public void Parse_AtSign_IsAValueNotAResponseFile()
    {
        var parse = CliParser.Parse(["start", "w-1", "--source", "@sequence"]);

        Assert.Empty(parse.Errors);
        Assert.Equal("@sequence", parse.GetValue<string>("--source"));
    }

    [Fact]
    public void UsageError_Typo_CarriesTheParsersSuggestionAndTheSynopsis()
    {
        string[] args = ["silos", "--al", "--json"];

        var error = UsageError.Of(CliParser.Parse(args), args);

        Assert.Equal("unknown option '--al': 'silos' takes --all and --json", error.Message);
        Assert.Contains("--all", error.Suggestions, StringComparison.Ordinal);
        Assert.Equal("silos [--all] [--json]", error.Usage);
    }

    [Fact]
    public void Help_EveryCommand_HasItsUsageUnderTheProgramName()
    {
        Assert.All(CliParser.Commands, command =>
        {
            var help = CliHelp.For(command.Name);

            Assert.Contains($"  overseer {command.Name}", help, StringComparison.Ordinal);
            Assert.Contains("--json", help, StringComparison.Ordinal);
            Assert.All(Synopsis.Options(command), option => Assert.Contains(option.Name, help, StringComparison.Ordinal));
        });
    }

    [Fact]
    public void Help_Root_ListsEveryCommandTheConfigurationAndTheExitCodes()
    {
        var help = CliHelp.For(null);

        Assert.All(CliParser.Commands, command => Assert.Contains($"  {command.Name}", help, StringComparison.Ordinal));
        Assert.Contains("ConnectionStrings__redis", help, StringComparison.Ordinal);
        Assert.Contains("Exit codes: 0 ok, 1 refused by the cluster, 2 usage or configuration error, 3 cluster or its Redis unreachable", help, StringComparison.Ordinal);
        Assert.DoesNotContain("--version", help, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sta", "start status")]
    [InlineData("silos --", "--all --help --json")]
    [InlineData("list --status ", "backoff completed failed halted pending running stopped")]
    [InlineData("list --status ru", "running")]
    [InlineData("start w-1 --restart ", "permanent temporary transient")]
    public void Completions_ComeFromTheDeclaration(string line, string expected)
    {
        var completions = CliParser.Root.Parse(line).GetCompletions(line.Length).Select(c => c.Label).Where(l => !l.StartsWith("-?", StringComparison.Ordinal) && !l.StartsWith('/') && l != "-h");

        Assert.Equal(expected, string.Join(' ', completions));
    }

    [Fact]
    public async Task BashCompletion_SourcedInBash_CompletesThroughTheSuggestDirective()
    {
        var dll = typeof(CliParser).Assembly.Location;
        var script = BashCompletion.Script($"dotnet '{dll}'");
        const string Probe = """
            t() { COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<< "$COMP_LINE"; [[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _overseer_complete; echo "${COMPREPLY[*]}"; }
            t "./overseer sta"
            t "overseer list --status ru"
            complete -p overseer
            """;
        var start = new ProcessStartInfo("bash") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var bash = Process.Start(start)!;
        await bash.StandardInput.WriteAsync(script + "\n" + Probe + "\n");
        bash.StandardInput.Close();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var stdout = await bash.StandardOutput.ReadToEndAsync(deadline.Token);
        await bash.WaitForExitAsync(deadline.Token);

        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 3, $"expected 3 lines from the completion probe, got: {stdout} {await bash.StandardError.ReadToEndAsync(deadline.Token)}");
        Assert.Equal("start status", lines[0]);
        Assert.Equal("running", lines[1]);
        Assert.Equal("complete -F _overseer_complete overseer", lines[2]);
    }
}
