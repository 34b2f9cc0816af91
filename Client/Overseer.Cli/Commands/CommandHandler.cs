using System.CommandLine;

namespace Overseer.Cli.Commands;

/// <summary>Runs one successfully parsed command line: reads its values from <paramref name="parse"/>, connects
/// through <paramref name="context"/> if it needs the cluster, and writes its result there.</summary>
internal delegate Task CommandHandler(ParseResult parse, CommandContext context, CancellationToken cancellationToken);
