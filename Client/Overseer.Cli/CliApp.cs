using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Help;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Overseer.Cli.Commands;
using Overseer.Cli.Output;
using Overseer.Client;
using Overseer.Errors;

namespace Overseer.Cli;

/// <summary>Parses the command line, connects only if the command needs the cluster, runs the command and
/// turns the outcome into an exit code. Results go to stdout; errors and logs to stderr.</summary>
internal static class CliApp
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args)
    {
        var stderr = Console.Error;
        var parse = CliParser.Parse(args);
        if (parse.Action is HelpAction)
        {
            await Console.Out.WriteAsync(CliHelp.Render(parse));
            await Console.Out.FlushAsync();
            return ExitCodes.Ok;
        }

        if (CliParser.Root.Directives.OfType<SuggestDirective>().Any(d => parse.GetResult(d) is not null))
        {
            // [suggest:N] "line", from the script `completion bash` prints: one completion per line.
            return parse.Invoke(new InvocationConfiguration { Output = Console.Out, Error = stderr });
        }

        if (parse.Errors.Count > 0 || parse.CommandResult.Command is not CliCommand command)
        {
            return Fail(stderr, UsageError.Of(parse, args));
        }

        // Ctrl+C and SIGTERM cancel the command (and a pending connect) instead of killing the process, so
        // output written so far is flushed and the client disconnects cleanly.
        using var cancellation = new CancellationTokenSource();
        var interruptedBy = ExitCodes.Cancelled;
        void OnSignal(PosixSignalContext signal)
        {
            signal.Cancel = true;
            interruptedBy = signal.Signal == PosixSignal.SIGTERM ? ExitCodes.Terminated : ExitCodes.Cancelled;
            cancellation.Cancel();
        }

        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        await using var stdout = new BufferedStream(Console.OpenStandardOutput(), 64 * 1024);
        IOutput output = parse.GetValue(CliParser.Json) ? new JsonOutput(stdout) : new TextOutput(stdout);
        IHost? host = null;
        try
        {
            var context = new CommandContext(output, stderr, async ct =>
            {
                host = BuildHost();
                await host.StartAsync(ct);
                return host.Services.GetRequiredService<OverseerClient>();
            });
            await command.Handler(parse, context, cancellation.Token);

            // A command that returns normally after Ctrl+C (watch) has finished: flush what it wrote regardless.
            await output.FlushAsync(cancellation.IsCancellationRequested ? CancellationToken.None : cancellation.Token);
            return ExitCodes.Ok;
        }
        catch (Exception e)
        {
            // Keep what was already written (e.g. the first pages of a list) ahead of the error.
            await TryFlushAsync(output);
            return Fail(stderr, Unwrap(e), cancellation.IsCancellationRequested ? interruptedBy : null);
        }
        finally
        {
            await StopAsync(host);
        }
    }

    private static IHost BuildHost()
    {
        // No defaults: no command-line configuration (System.CommandLine parses args), no appsettings from the
        // current directory, and no console logger on stdout.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false)
            .AddEnvironmentVariables();

        // Failures reach the user once, as "error: ...": not also as a host stack trace or as Orleans' own log lines
        // (per-attempt "no gateway" warnings, "Exception reading message" errors): every failure of a call reaches the
        // command as an exception. A Logging section (appsettings, Logging__LogLevel__Orleans=...) overrides these levels.
        builder.Logging.ClearProviders()
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.Extensions.Hosting", LogLevel.None)
            .AddFilter("Orleans", LogLevel.None)
            .AddConfiguration(builder.Configuration.GetSection("Logging"))
            .AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);

        builder.AddOverseerClient();
        return builder.Build();
    }

    /// <param name="interruptedBy">The exit code for the signal that cancelled the run, if one did.</param>
    private static int Fail(TextWriter stderr, Exception e, int? interruptedBy = null)
    {
        var (code, message) = e switch
        {
            OptionsValidationException options => (ExitCodes.Usage, string.Join("; ", options.Failures)),
            OverseerException { Code: OverseerErrorCode.Unavailable } => (ExitCodes.Unreachable, e.Message),
            OverseerException => (ExitCodes.Refused, e.Message),
            ClusterUnreachableException => (ExitCodes.Unreachable, e.Message),
            OperationCanceledException when interruptedBy is { } signalCode => (signalCode, "cancelled"),
            _ => (ExitCodes.Refused, $"unexpected {e.GetType().Name}: {e.Message}"),
        };

        stderr.Write(new StringBuilder().Append("error: ").AppendLine(message).ToString());
        stderr.Flush();
        return code;
    }

    private static int Fail(TextWriter stderr, UsageError error)
    {
        var text = new StringBuilder().Append("error: ").AppendLine(error.Message);
        if (error.Suggestions.Length > 0)
        {
            text.AppendLine(error.Suggestions);
        }

        text.Append("usage: ").Append(CliParser.Program).Append(' ').AppendLine(error.Usage);
        stderr.Write(text.ToString());
        stderr.Flush();
        return ExitCodes.Usage;
    }

    // Host.StartAsync may wrap the connect failure when more than one service fails.
    private static Exception Unwrap(Exception e) =>
        e is AggregateException { InnerExceptions.Count: 1 } aggregate ? Unwrap(aggregate.InnerExceptions[0]) : e;

    private static async Task TryFlushAsync(IOutput output)
    {
        try
        {
            await output.FlushAsync(CancellationToken.None);
        }
        catch (IOException)
        {
            // stdout closed (e.g. `| head`): nothing more to show there.
        }
    }

    private static async Task StopAsync(IHost? host)
    {
        if (host is null)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(StopTimeout);
            await host.StopAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The client never connected or is already gone; nothing to close gracefully.
        }
        finally
        {
            if (host is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync();
            }
            else
            {
                host.Dispose();
            }
        }
    }
}
