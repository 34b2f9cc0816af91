namespace Overseer.Cli.Commands;

/// <summary>The bash side of tab completion. The script asks the CLI itself, through System.CommandLine's
/// <c>[suggest:POSITION]</c> directive, for the completions of the line typed so far, so completion is always
/// exactly the parser's: commands, options, enum values, help topics.</summary>
internal static class BashCompletion
{
    /// <summary>How to run this CLI from a shell: the apphost, or <c>dotnet Overseer.Cli.dll</c>; single-quoted.</summary>
    public static string CurrentInvocation()
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var dll = typeof(BashCompletion).Assembly.Location;
        return Path.GetFileNameWithoutExtension(host) == "dotnet" ? $"{Quote(host)} {Quote(dll)}" : Quote(host);
    }

    /// <param name="invocation">The shell words that run the CLI, already quoted.</param>
    public static string Script(string invocation) =>
        $$"""
        # bash completion for {{CliParser.Program}} (./overseer and the CLI binary), from `{{CliParser.Program}} completion bash`.
        # This shell:   source <(./overseer completion bash)
        # Every shell:  ./overseer completion bash > ~/.local/share/bash-completion/completions/overseer
        # The CLI answers itself: System.CommandLine's [suggest:POSITION] directive completes the words after the
        # program name, up to the cursor.
        _overseer_complete() {
            local line="${COMP_LINE:0:COMP_POINT}"
            local words="${line#"${COMP_WORDS[0]}"}"
            local IFS=$'\n'
            COMPREPLY=($({{invocation}} "[suggest:${#words}]" "$words" 2>/dev/null))
        }
        complete -F _overseer_complete {{CliParser.Program}} Overseer.Cli

        """;

    private static string Quote(string word) => $"'{word.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
