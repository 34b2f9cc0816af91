using System.Diagnostics;
using Npgsql;
using Overseer.Sources.Sequence;

namespace Overseer.Bench.Suite.Handler;

/// <summary>The handler scenario's baseline, bare Npgsql: <c>writers</c> concurrent loops, each taking a connection
/// from the pool (as the product does per commit) and running <c>BEGIN</c>; the bench handler's one
/// <c>INSERT … unnest</c> of <c>batch</c> rows shaped like a <c>sequence</c> worker's events; <c>COMMIT</c>.</summary>
internal static class NpgsqlBaseline
{
    private static readonly TimeSpan WarmTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs the writers until each has committed once, then measures over <paramref name="window"/>.</summary>
    public static async Task<HandlerRound> RunAsync(
        NpgsqlDataSource source, Func<Task<int>> connections, string prefix, int writers, int batch, TimeSpan window, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var (unwarmed, warmed) = (writers, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var measuring = 0;
        var durations = new List<double>[writers];
        var events = new long[writers];
        var loops = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var (worker, seq, mine) = ($"{prefix}{w}", 0L, new List<double>());
            durations[w] = mine;
            var (seqs, payloads) = (new long[batch], new string[batch]);
            while (!stop.IsCancellationRequested)
            {
                for (var i = 0; i < batch; i++)
                {
                    seqs[i] = ++seq;
                    payloads[i] = SequenceSource.Payload(worker, seq);
                }

                var started = Stopwatch.GetTimestamp();
                await using (var connection = await source.OpenConnectionAsync(CancellationToken.None))
                await using (var transaction = await connection.BeginTransactionAsync(CancellationToken.None))
                {
                    await using var insert = BenchRowsHandler.InsertCommand(connection, transaction, worker, seqs, payloads);
                    await insert.ExecuteNonQueryAsync(CancellationToken.None);
                    await transaction.CommitAsync(CancellationToken.None);
                }

                // A transaction counts when it completes inside the window, as a commit does for ours.
                if (Volatile.Read(ref measuring) == 1)
                {
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    events[w] += batch;
                }

                if (seq == batch && Interlocked.Decrement(ref unwarmed) == 0)
                {
                    warmed.TrySetResult();
                }
            }
        }, CancellationToken.None)).ToArray();

        try
        {
            // A writer's loop ends before the stop only by throwing: that error, at once, rather than a timeout.
            var ended = Task.WhenAny(loops);
            var first = await Task.WhenAny(warmed.Task, ended, Task.Delay(WarmTimeout, cancellationToken));
            if (first == ended)
            {
                await await ended;
            }

            if (first != warmed.Task)
            {
                throw new BenchFailedException($"handler baseline ({prefix}*): expected all {writers} writers to commit once within {WarmTimeout.TotalSeconds:0} s, but {Volatile.Read(ref unwarmed)} had not");
            }

            var clock = Stopwatch.StartNew();
            Volatile.Write(ref measuring, 1);
            await Task.Delay(window / 2, cancellationToken);
            var open = await connections();
            await Task.Delay(window - (window / 2), cancellationToken);
            Volatile.Write(ref measuring, 0);
            var elapsed = clock.Elapsed;
            await stop.CancelAsync();
            await Task.WhenAll(loops);
            return new HandlerRound(events.Sum() / elapsed.TotalSeconds, LatencyStats.Of(durations.SelectMany(d => d)), open);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(loops).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
