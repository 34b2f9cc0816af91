using System.Text.RegularExpressions;
using Overseer.Cli.Commands;

namespace Overseer.Tests.Unit;

/// <summary>README.md's CLI table against the parser: the same commands, each with the same options, both ways.</summary>
public sealed partial class CliReadmeTests
{
    private const string TableHeader = "| command | what it does |";

    [Fact]
    public void ReadmeCliTable_ListsExactlyTheParsersCommandsAndOptions()
    {
        var documented = ReadmeTable();
        var declared = CliParser.Commands.ToDictionary(
            c => c.Name,
            c => Synopsis.Options(c).Select(o => o.Name).ToHashSet(StringComparer.Ordinal),
            StringComparer.Ordinal);

        var problems = new List<string>();
        problems.AddRange(declared.Keys.Except(documented.Keys).Select(c => $"command '{c}' is in the parser but not in README's CLI table"));
        problems.AddRange(documented.Keys.Except(declared.Keys).Select(c => $"command '{c}' is in README's CLI table but not in the parser"));
        foreach (var (command, options) in declared.Where(d => documented.ContainsKey(d.Key)))
        {
            problems.AddRange(options.Except(documented[command]).Select(o => $"'{command} {o}' is in the parser but not in README's CLI table"));
            problems.AddRange(documented[command].Except(options).Select(o => $"'{command} {o}' is in README's CLI table but not in the parser"));
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Readme_SaysEveryCommandTakesJsonAndHelp_AndHowToLoadCompletion()
    {
        var readme = File.ReadAllText(ReadmePath());

        Assert.Contains("every command takes `--json` and `--help`", readme, StringComparison.Ordinal);
        Assert.Contains("source <(./overseer completion bash)", readme, StringComparison.Ordinal);
    }

    /// <summary>Command → options, from the first cell of each row: every <c>`code span`</c> there is one command's
    /// synopsis (<c>`stop &lt;id&gt;` / `resume &lt;id&gt;`</c> documents two).</summary>
    private static Dictionary<string, HashSet<string>> ReadmeTable()
    {
        var lines = File.ReadAllLines(ReadmePath());
        var header = Array.IndexOf(lines, TableHeader);
        Assert.True(header >= 0, $"README.md has no line '{TableHeader}' (the CLI table)");
        var table = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var row in lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')))
        {
            // The first cell ends at the first '|' that is not escaped ("transient\|permanent" stays in it).
            var cell = UnescapedPipe().Split(row.Trim('|'), 2)[0];
            foreach (Match span in CodeSpan().Matches(cell))
            {
                var synopsis = span.Groups[1].Value;
                var name = synopsis.Split(' ', 2)[0];
                table[name] = OptionName().Matches(synopsis).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);
            }
        }

        return table;
    }

    private static string ReadmePath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln")))
            {
                return Path.Combine(dir.FullName, "README.md");
            }
        }

        throw new InvalidOperationException($"no Orleans.sln above {AppContext.BaseDirectory}: cannot find README.md");
    }

    [GeneratedRegex(@"(?<!\\)\|")]
    private static partial Regex UnescapedPipe();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"--[a-z][a-z-]*")]
    private static partial Regex OptionName();
}
