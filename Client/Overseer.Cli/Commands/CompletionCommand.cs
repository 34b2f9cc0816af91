using System.CommandLine;

namespace Overseer.Cli.Commands;

/// <summary><c>completion bash</c>: prints a bash completion script (see <see cref="BashCompletion"/>); never connects.</summary>
internal static class CompletionCommand
{
    public static CliCommand Create()
    {
        var shell = new Argument<string>("shell") { Description = "the shell to complete in: bash", HelpName = "shell" };
        shell.CompletionSources.Add("bash");
        shell.Validators.Add(result =>
        {
            if (result.Tokens is [var token] && token.Value != "bash")
            {
                result.AddError($"unsupported shell '{token.Value}': expected bash");
            }
        });
        return new CliCommand(
            "completion",
            "print a bash completion script; load it with: source <(./overseer completion bash)",
            (_, context, ct) => context.Output.TextAsync(BashCompletion.Script(BashCompletion.CurrentInvocation()), ct))
        {
            shell,
        };
    }
}
