using System.Collections.Immutable;
using System.CommandLine;
using Overseer.Models;

namespace Overseer.Cli.Commands;

internal static class StartCommand
{
    public static CliCommand Create()
    {
        var id = CliOptions.WorkerId();
        var source = new Option<string>("--source") { Description = "the source kind, e.g. sequence, feed, http-poll, websocket, evm, stream", HelpName = "kind", Required = true };
        var options = KeyValues("--option", "a source option (see the source kinds in README.md); repeat for more");
        var handler = new Option<string>("--handler") { Description = "a handler registered in the silo host (e.g. erc20): it decides where the worker's effects and cursor live", HelpName = "name" };
        var handlerOptions = KeyValues("--handler-option", "a handler option (its meaning belongs to the handler); repeat for more");
        var onPoison = new Option<string>("--on-poison")
        {
            Description = "what a handler failure on one event (not an outage) does once retries are spent: halt (default), skip or dead-letter",
            HelpName = "halt|skip|dead-letter",
        };
        onPoison.Validators.Add(result =>
        {
            if (result.Tokens is [var token] && PoisonPolicy.Parse(token.Value) is null)
            {
                result.AddError($"invalid --on-poison '{token.Value}': expected halt, skip or dead-letter");
            }
        });
        var poisonRetries = CliOptions.WholeNumber("--poison-retries", "N", "tries of a failing event after the first, before --on-poison decides (default 0)", min: 0, max: PoisonPolicy.MaxRetries);
        var restart = CliOptions.Choice<RestartPolicy>("--restart", "when a finished or crashed worker runs again (default transient)");
        var maxRestarts = CliOptions.WholeNumber("--max-restarts", "N", "restarts allowed within the restart window (default: the cluster's)", min: 0);
        var restartWindow = CliOptions.Seconds("--restart-window", "the window --max-restarts counts over (default: the cluster's)");
        var wait = CliOptions.Seconds("--wait", "with a full pool, block until the worker runs (exit 1 on timeout, still queued)");
        var tryOnly = CliOptions.Flag("--try", "with a full pool, refuse at once (exit 1) instead of queueing");
        var command = new CliCommand(
            "start",
            "start a worker; starting it again with the same spec is a no-op. With a full running-worker pool it is queued "
            + "(pending); --wait blocks until it runs (exit 1 on timeout, still queued), --try refuses at once (exit 1)",
            async (parse, context, ct) =>
            {
                var spec = new WorkerSpec(
                    parse.GetRequiredValue(source),
                    parse.GetValue(options) ?? ImmutableSortedDictionary<string, string>.Empty,
                    parse.GetValue(restart) ?? RestartPolicy.Transient,
                    parse.GetValue(maxRestarts),
                    parse.GetValue(restartWindow),
                    parse.GetValue(handler),
                    parse.GetValue(handlerOptions) is { Count: > 0 } h ? h : null,
                    parse.GetValue(onPoison) is null && parse.GetValue(poisonRetries) is null
                        ? null
                        : new PoisonPolicy(PoisonPolicy.Parse(parse.GetValue(onPoison) ?? "halt")!.Value, parse.GetValue(poisonRetries) ?? 0));
                var client = await context.ConnectAsync(ct);
                var worker = parse.GetValue(wait) is { } timeout
                    ? await client.StartAndWaitAsync(parse.GetRequiredValue(id), spec, timeout, ct)
                    : await client.StartAsync(parse.GetRequiredValue(id), spec, parse.GetValue(tryOnly) ? StartMode.Try : StartMode.Queue, ct);
                await context.Output.WorkerAsync(worker, ct);
            })
        {
            id,
            source,
            options,
            handler,
            handlerOptions,
            onPoison,
            poisonRetries,
            restart,
            maxRestarts,
            restartWindow,
            wait,
            tryOnly,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(wait) is not null && result.GetResult(tryOnly) is not null)
            {
                result.AddError("--wait and --try exclude each other: --wait blocks until a slot frees, --try refuses at once");
            }
        });
        return command;
    }

    /// <summary><c>--option key=value</c> (or <c>--handler-option</c>), repeatable; each key at most once.</summary>
    private static Option<ImmutableSortedDictionary<string, string>> KeyValues(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "key=value",
        Arity = ArgumentArity.OneOrMore,
        DefaultValueFactory = _ => ImmutableSortedDictionary<string, string>.Empty,
        CustomParser = result =>
        {
            var options = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            foreach (var token in result.Tokens)
            {
                var option = token.Value;
                var equals = option.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    result.AddError($"invalid {name} '{option}': expected key=value");
                    break;
                }

                var key = option[..equals];
                if (!options.TryAdd(key, option[(equals + 1)..]))
                {
                    result.AddError($"invalid {name} '{option}': key '{key}' is already set; give each key once");
                    break;
                }
            }

            return options.ToImmutable();
        },
    };
}
