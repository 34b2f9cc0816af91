using Overseer.Cli.Output;
using Overseer.Client;

namespace Overseer.Cli.Commands;

/// <summary>What a command runs against. Connecting is deferred so that commands that do not need the
/// cluster (help) never wait for it.</summary>
internal sealed class CommandContext(IOutput output, TextWriter progress, Func<CancellationToken, Task<OverseerClient>> connect)
{
    public IOutput Output => output;

    /// <summary>Where a long command says how far it got (stderr: stdout holds only the result).</summary>
    public TextWriter Progress => progress;

    public Task<OverseerClient> ConnectAsync(CancellationToken cancellationToken) => connect(cancellationToken);
}
