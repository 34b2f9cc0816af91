using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Overseer.Tests.Grains;

/// <summary>A logger provider for in-process silos that keeps the messages of chosen event ids, so a test can report
/// (or assert) that a path the product logs was taken, e.g. "store behind".</summary>
internal sealed class CapturedLogs(params int[] eventIds) : ILoggerProvider
{
    private readonly int[] _eventIds = eventIds;
    private readonly ConcurrentQueue<(string Category, EventId Event, string Message)> _entries = new();

    public IReadOnlyList<(string Category, EventId Event, string Message)> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (owner._eventIds.Length == 0 || owner._eventIds.Contains(eventId.Id))
            {
                owner._entries.Enqueue((category, eventId, formatter(state, exception)));
            }
        }
    }
}
