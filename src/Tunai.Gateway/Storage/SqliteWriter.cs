using System.Data.Common;
using System.Diagnostics.Metrics;
using System.Threading.Channels;

namespace Tunai.Gateway.Storage;

/// <summary>
/// Group commit for SQLite's single writer. Units wait in a queue for the one write connection; the writer
/// opens a transaction, hands the connection to each waiting unit in turn inside a savepoint (released when the
/// unit commits, rolled back when it is disposed without committing), and when no unit is waiting any more it
/// commits them all with one COMMIT, one fsync. Waiting writers therefore queue in order instead of sleeping in
/// SQLite's busy handler, and under load one fsync makes many units durable. A unit's CommitAsync returns only
/// after that COMMIT, so a 200 still means the write is on disk.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    /// <summary>Units per COMMIT at most, so the first unit of a long group does not wait without bound.</summary>
    private const int MaxGroup = 256;
    private const string Savepoint = "unit";

    private static readonly Meter Meter = new("Tunai.Gateway.Storage");

    /// <summary>How many units each COMMIT made durable: the group commit at work (dotnet-counters shows it).</summary>
    private static readonly Histogram<int> GroupSize = Meter.CreateHistogram<int>(
        "tunai.sqlite.write_group.units", "{unit}", "Write units made durable by one SQLite COMMIT");

    private readonly Func<CancellationToken, Task<DbConnection>> _open;
    private readonly Channel<Waiter> _queue = Channel.CreateUnbounded<Waiter>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private readonly KeyValuePair<string, object?> _database;

    public SqliteWriter(string path, Func<CancellationToken, Task<DbConnection>> open)
    {
        _database = new("db.namespace", path);
        _open = open;
        _loop = Task.Run(RunAsync);
    }

    public async Task<WriteUnit> BeginAsync(CancellationToken ct)
    {
        var waiter = new Waiter();
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(waiter), this);
        await using (ct.Register(() => waiter.Granted.TrySetCanceled(ct)))
        {
            return await waiter.Granted.Task;
        }
    }

    private async Task RunAsync()
    {
        DbConnection? connection = null;
        var stop = _stopping.Token;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stop))
            {
                connection ??= await _open(stop);
                var kept = new List<GroupedUnit>();
                DbTransaction? tx = null;
                try
                {
                    tx = await connection.BeginTransactionAsync(stop);
                    while (kept.Count < MaxGroup && _queue.Reader.TryRead(out var waiter))
                    {
                        if (waiter.Granted.Task.IsCompleted)
                        {
                            continue; // gave up waiting
                        }
                        await tx.SaveAsync(Savepoint, stop);
                        var unit = new GroupedUnit(connection, tx);
                        if (!waiter.Granted.TrySetResult(unit))
                        {
                            await tx.ReleaseAsync(Savepoint, stop);
                            continue;
                        }
                        if (await unit.Ended)
                        {
                            await tx.ReleaseAsync(Savepoint, stop);
                            kept.Add(unit);
                        }
                        else
                        {
                            await tx.RollbackAsync(Savepoint, stop);
                            await tx.ReleaseAsync(Savepoint, stop);
                        }
                    }
                    await tx.CommitAsync(stop);
                    await tx.DisposeAsync();
                    if (kept.Count > 0)
                    {
                        GroupSize.Record(kept.Count, _database);
                    }
                    foreach (var unit in kept)
                    {
                        unit.Durable.TrySetResult();
                    }
                }
                catch (Exception e)
                {
                    // The group is lost as a whole; every unit that had finished learns it was not written. The
                    // connection may be unusable, so the next group starts on a fresh one.
                    var failure = new WriteGroupFailedException(e);
                    foreach (var unit in kept)
                    {
                        unit.Durable.TrySetException(failure);
                    }
                    await DiscardAsync(tx, connection);
                    connection = null;
                    if (stop.IsCancellationRequested)
                    {
                        break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // shutting down
        }
        finally
        {
            while (_queue.Reader.TryRead(out var waiter))
            {
                waiter.Granted.TrySetException(new ObjectDisposedException(nameof(SqliteWriter)));
            }
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private static async Task DiscardAsync(DbTransaction? tx, DbConnection connection)
    {
        try
        {
            if (tx is not null)
            {
                await tx.DisposeAsync();
            }
        }
        catch (Exception)
        {
            // the connection goes too
        }
        await connection.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        await _loop;
        _stopping.Dispose();
    }

    private sealed class Waiter
    {
        public TaskCompletionSource<WriteUnit> Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class GroupedUnit(DbConnection connection, DbTransaction transaction) : WriteUnit(connection, transaction)
    {
        private readonly TaskCompletionSource<bool> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>True when the unit committed its part, false when it was disposed without.</summary>
        public Task<bool> Ended => _ended.Task;

        public TaskCompletionSource Durable { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task CommitAsync(CancellationToken ct = default)
        {
            if (!_ended.TrySetResult(true))
            {
                throw new InvalidOperationException("The unit has already ended");
            }
            return Durable.Task;
        }

        public override ValueTask DisposeAsync()
        {
            _ended.TrySetResult(false);
            return ValueTask.CompletedTask;
        }
    }
}
