using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;

namespace Tunai.Gateway.Storage;

/// <summary>
/// Group commit for SQLite's single writer. Units of writes wait in a queue; one loop opens a transaction, runs
/// each waiting unit in turn inside a savepoint (released when the unit committed, rolled back when it did not
/// or threw) and, when no unit is waiting any more, commits them all with one COMMIT: one fsync for the group.
/// Writers therefore queue in order instead of sleeping in SQLite's busy handler, the units run back to back on
/// the loop (Microsoft.Data.Sqlite's async calls complete synchronously, so a unit costs no thread hops), and
/// every unit's caller, whether its unit wrote or only read, is answered only after the COMMIT: a unit may read
/// another unit's write of the same group, which is durable only then, so a 200 always means what it reports is on
/// disk. When any step of a group fails, every unit of the group is answered with the failure.
/// Checkpoints (copying the WAL's pages into the database file) run beside the loop, not in it.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    /// <summary>Units per COMMIT at most, so the first unit of a long group does not wait without bound.</summary>
    private const int MaxGroup = 256;
    // The savepoint statements go through the writer's connection like the units' own, so they stay compiled
    // (SqliteTransaction.Save and Release compile theirs afresh each time: two compilations per unit).
    private const string SaveUnit = "SAVEPOINT unit";
    private const string ReleaseUnit = "RELEASE unit";
    private const string RollbackUnit = "ROLLBACK TO unit";

    /// <summary>How long the writer waits before trying again to open its connection after that failed.</summary>
    private static readonly TimeSpan ReopenPause = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The least time from one checkpoint's start to the next's (machine time): under load committed pages are copied
    /// from the WAL into the database file every 10 ms, a few hundred pages at a time (see <see cref="CheckpointAsync"/>).
    /// </summary>
    private static readonly TimeSpan CheckpointSpacing = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// WAL pages (4 KiB) after which a commit checkpoints by itself, as SQLite does at 1,000 by default: only if the
    /// checkpoints beside the loop fall that far behind.
    /// </summary>
    private const int BackstopCheckpointPages = 25_000;

    private static readonly Meter Meter = new("Tunai.Gateway.Storage");

    /// <summary>How many units each COMMIT made durable: the group commit at work (dotnet-counters shows it).</summary>
    private static readonly Histogram<int> GroupSize = Meter.CreateHistogram<int>(
        "tunai.sqlite.write_group.units", "{unit}", "Write units made durable by one SQLite COMMIT", tags: null,
        new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, MaxGroup] });

    /// <summary>
    /// Bucket bounds for the writer's durations, in seconds: a unit group runs for tens of microseconds to tens of
    /// milliseconds and a COMMIT's fsync takes about a millisecond on a good disk, so the bounds go from 100 µs to 5 s
    /// (the default bounds, 0 to 10,000, put every one of them in the first bucket).
    /// </summary>
    internal static readonly double[] DurationBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    /// <summary>
    /// How long each group's units ran before its COMMIT, and how long the COMMIT took (writing the group's pages to the
    /// WAL and the fsync). With the group size they say where the writer's time goes under load: measured so, payments
    /// at 64 connections kept it running units about 62 % of the time, committing 28-31 % (4-6 ms a group of about 60
    /// units) and waiting for work the rest.
    /// </summary>
    private static readonly Histogram<double> GroupDuration = Meter.CreateHistogram<double>(
        "tunai.sqlite.write_group.duration", "s", "Time a SQLite write group's units ran before its COMMIT", tags: null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    /// <summary>Bucket bounds of a unit's time on the writer, in seconds (declared before the histogram that uses them).</summary>
    internal static readonly double[] UnitBuckets =
        [0.00001, 0.000025, 0.00005, 0.000075, 0.0001, 0.00015, 0.0002, 0.0003, 0.0005, 0.001, 0.0025, 0.01];

    /// <summary>
    /// How long each unit held the writer, from its SAVEPOINT to its RELEASE, by what asked for it (<c>tunai.unit</c>,
    /// see <see cref="Database.WriteAsync{T}"/>): the writer's time per unit kind, which <c>bench/run</c> prints. Its
    /// buckets go from 10 µs, where a unit's time lies, to 10 ms.
    /// </summary>
    private static readonly Histogram<double> UnitDuration = Meter.CreateHistogram<double>(
        "tunai.sqlite.write_unit.duration", "s", "Time one write unit held the SQLite writer, savepoint to release", tags: null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = UnitBuckets });

    /// <summary>
    /// Each bound statement's time on the writer, by its verb and table (<c>tunai.statement</c>, see
    /// <see cref="StatementCachingConnection.StatementLabel"/>), the savepoints' included: with
    /// <see cref="UnitDuration"/>, where a unit's microseconds go (<c>bench/run</c> prints both). From 1 µs to 1 ms.
    /// </summary>
    private static readonly Histogram<double> StatementDuration = Meter.CreateHistogram<double>(
        "tunai.sqlite.statement.duration", "s", "Time one bound statement ran on the SQLite writer, binding to reset", tags: null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.001] });

    private static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>(
        "tunai.sqlite.commit.duration", "s", "Time a SQLite write group's COMMIT took, fsync included", tags: null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    /// <summary>
    /// How long each checkpoint beside the loop took (copying the WAL's committed pages into the database file, and that
    /// file's fsync): with the WAL's size and the writer's page-cache misses, what a tail that grows with the tables
    /// could follow (see bench/counts.py).
    /// </summary>
    private static readonly Histogram<double> CheckpointDuration = Meter.CreateHistogram<double>(
        "tunai.sqlite.checkpoint.duration", "s", "Time a passive checkpoint beside the SQLite writer took", tags: null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    /// <summary>The writer connection's page cache: pages found in it, read from the file, and written (SQLite's own counts).</summary>
    private static readonly Counter<long> CachePages = Meter.CreateCounter<long>(
        "tunai.sqlite.writer.cache_pages", "{page}", "Pages of the SQLite writer's cache by outcome: hit, miss (read from the file), write");

    /// <summary>The writers open in this process, for <see cref="WalSize"/>.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<SqliteWriter, byte> Open = new();

    /// <summary>Each open writer's WAL file size, read when a reader collects (a scrape): it grows while checkpoints fall behind or readers pin it.</summary>
    private static readonly ObservableGauge<long> WalSize = Meter.CreateObservableGauge(
        "tunai.sqlite.wal.size", () => Open.Keys.Select(w => new Measurement<long>(w.WalBytes, w._database)), "By", "The SQLite WAL file's size");

    private readonly Func<CancellationToken, Task<DbConnection>> _open;
    private readonly Func<CancellationToken, Task<DbConnection>> _openReader;
    private readonly Channel<Work> _queue = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly KeyValuePair<string, object?> _database;
    private readonly Task _loop;
    private readonly Task _checkpoints;
    /// <summary>Holds one signal at most: a group committed since the last checkpoint started.</summary>
    private readonly Channel<bool> _committed = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private int _reopen;

    /// <summary>The file failed somewhere else (a read met it full or read-only): the next group starts on a new connection.</summary>
    internal void ReopenBeforeNextGroup() => Volatile.Write(ref _reopen, 1);
    private readonly string _walPath;
    private readonly string _path;

    /// <summary>The WAL file's size now, in bytes.</summary>
    private long WalBytes
    {
        get
        {
            try
            {
                return new FileInfo(_walPath).Length;
            }
            catch (IOException)
            {
                return 0;
            }
        }
    }

    /// <param name="path">The database file.</param>
    /// <param name="open">Opens the writer's connection.</param>
    /// <param name="openReader">Opens another connection (for checkpoints).</param>
    public SqliteWriter(string path, Func<CancellationToken, Task<DbConnection>> open, Func<CancellationToken, Task<DbConnection>> openReader)
    {
        _database = new("db.namespace", path);
        _walPath = path + "-wal";
        _path = path;
        _open = open;
        _openReader = openReader;
        Open.TryAdd(this, 0);
        _loop = Task.Run(RunAsync);
        _checkpoints = Task.Run(CheckpointAsync);
    }

    /// <param name="work">The unit.</param>
    /// <param name="kind">What asks for it (a feature's file name), for the unit's timing.</param>
    /// <param name="ct">Gives up while the unit waits.</param>
    public async Task<T> WriteAsync<T>(Func<WriteUnit, Task<T>> work, string kind, CancellationToken ct)
    {
        var item = new Work<T>(work, kind);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(item), this);
        // A caller that gives up while its unit waits is answered at once and the unit never runs; once it
        // runs, the caller waits for its outcome.
        await using (ct.Register(() => item.GiveUp(ct)))
        {
            return await item.Result.Task;
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
                if (connection is not null && Interlocked.Exchange(ref _reopen, 0) == 1)
                {
                    await DiscardAsync(null, connection);
                    connection = null;
                }
                if (connection is null)
                {
                    try
                    {
                        connection = await OpenWriterAsync(stop);
                    }
                    catch (Exception e) when (!stop.IsCancellationRequested)
                    {
                        // No unit can run: every one waiting learns it at once instead of waiting for a connection
                        // that may never open (a missing folder, a full disk); the next ones try again after a pause.
                        var failure = new WriteGroupFailedException("The SQLite writer could not open its connection", e);
                        while (_queue.Reader.TryRead(out var waiting))
                        {
                            if (waiting.Start())
                            {
                                waiting.Failed(failure);
                            }
                        }
                        await Task.Delay(ReopenPause, stop);
                        continue;
                    }
                }
                // Every unit taken from the queue and started is in the group, and is answered exactly once, after the
                // group's fate is known: all of them after the COMMIT succeeded (a unit that wrote nothing too: what
                // it read may be another unit's write of this group, durable only with the COMMIT), or all of them with
                // the failure, whatever step failed (SAVEPOINT, the unit, ROLLBACK TO, RELEASE, COMMIT and its fsync).
                var group = new List<Work>();
                var started = Stopwatch.GetTimestamp();
                var committing = started;
                DbTransaction? tx = null;
                Exception? failed = null;
                try
                {
                    Fault?.Invoke(WriterStep.Begin);
                    tx = await connection.BeginTransactionAsync(stop);
                    while (group.Count < MaxGroup && _queue.Reader.TryRead(out var work))
                    {
                        if (!work.Start())
                        {
                            continue; // its caller gave up before it ran
                        }
                        group.Add(work);
                        var unitStarted = Stopwatch.GetTimestamp();
                        await RunAsync(connection, tx, WriterStep.Savepoint, SaveUnit, stop);
                        var unit = new WriteUnit(connection, tx) { TraceParent = work.TraceParent };
                        if (!await work.RunAsync(unit))
                        {
                            await RunAsync(connection, tx, WriterStep.Rollback, RollbackUnit, stop);
                        }
                        await RunAsync(connection, tx, WriterStep.Release, ReleaseUnit, stop);
                        work.Held = Stopwatch.GetElapsedTime(unitStarted).TotalSeconds;
                    }
                    committing = Stopwatch.GetTimestamp();
                    Fault?.Invoke(WriterStep.Commit);
                    await tx.CommitAsync(stop);
                }
                catch (Exception e)
                {
                    failed = e;
                }

                if (failed is null)
                {
                    _committed.Writer.TryWrite(true);
                    // Measured before the answers, so that a caller answered sees its group counted.
                    if (group.Count > 0)
                    {
                        GroupSize.Record(group.Count, _database);
                        GroupDuration.Record(Stopwatch.GetElapsedTime(started, committing).TotalSeconds, _database);
                        CommitDuration.Record(Stopwatch.GetElapsedTime(committing).TotalSeconds, _database);
                        if (UnitDuration.Enabled)
                        {
                            foreach (var work in group)
                            {
                                UnitDuration.Record(work.Held, _database, new("tunai.unit", work.Kind));
                            }
                        }
                    }
                    foreach (var work in group)
                    {
                        work.Answer();
                    }
                    await tx!.DisposeAsync();
                    if (CachePages.Enabled && connection is Microsoft.Data.Sqlite.SqliteConnection { Handle: { } handle })
                    {
                        CountCache(handle, SQLitePCL.raw.SQLITE_DBSTATUS_CACHE_HIT, "hit");
                        CountCache(handle, SQLitePCL.raw.SQLITE_DBSTATUS_CACHE_MISS, "miss");
                        CountCache(handle, SQLitePCL.raw.SQLITE_DBSTATUS_CACHE_WRITE, "write");
                    }
                    // A unit refused by the file itself (read-only, full, an I/O error) was rolled back alone and the
                    // group went on; but the connection would meet the same refusal for ever (a file made read-only
                    // since it was opened stays so for it), so the next group opens another.
                    if (group.Exists(work => work.FileRefused))
                    {
                        await DiscardAsync(null, connection);
                        connection = null;
                    }
                    continue;
                }

                // The group is lost as a whole: each of its units learns it was not written, a unit that failed by
                // itself too (its refusal may have rested on another unit's write that is now gone). The connection
                // may be unusable, so the next group starts on a fresh one.
                var lost = new WriteGroupFailedException(failed);
                foreach (var work in group)
                {
                    work.Failed(lost);
                }
                await DiscardAsync(tx, connection);
                connection = null;
                if (stop.IsCancellationRequested)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // shutting down
        }
        finally
        {
            // Nothing is taken any more: a unit asked for from now on is refused at once instead of waiting.
            _queue.Writer.TryComplete();
            var gone = new ObjectDisposedException(nameof(SqliteWriter));
            while (_queue.Reader.TryRead(out var work))
            {
                if (work.Start())
                {
                    work.Failed(gone);
                }
            }
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Whether this process may write the file now, as the file system says (access(2): an immutable file or a read-only
    /// mount says no). It opens no descriptor, so it cannot release SQLite's locks as closing one would.
    /// </summary>
    private static bool WritableNow(string path) => OperatingSystem.IsWindows() || Access(path, 2) == 0 || !File.Exists(path);

#pragma warning disable SYSLIB1054 // A plain libc call with a string; the source-generated form needs unsafe code enabled for the project.
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "access", SetLastError = true)]
    private static extern int Access([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, int mode);
#pragma warning restore SYSLIB1054

    /// <summary>Adds the connection's count of <paramref name="status"/> since the last call (SQLite resets it as it is read).</summary>
    private void CountCache(SQLitePCL.sqlite3 handle, int status, string outcome)
    {
        if (SQLitePCL.raw.sqlite3_db_status(handle, status, out var pages, out _, 1) == SQLitePCL.raw.SQLITE_OK && pages > 0)
        {
            CachePages.Add(pages, _database, new("tunai.cache", outcome));
        }
    }

    private async Task RunAsync(DbConnection connection, DbTransaction tx, WriterStep step, string sql, CancellationToken ct)
    {
        Fault?.Invoke(step);
        if (connection is StatementCachingConnection kept)
        {
            // Bound straight, as the units' statements are: a command would open a data reader to run a SAVEPOINT.
            kept.Execute(sql, [], []);
            return;
        }
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<DbConnection> OpenWriterAsync(CancellationToken ct)
    {
        var connection = await _open(ct);
        if (!WritableNow(_path))
        {
            // SQLite may have handed this connection a descriptor that another of its connections in this process opened
            // before the file was made read-only (it keeps a file's descriptors while any connection on it is open), and
            // would go on writing through it: the writer asks the file system instead, and refuses as SQLite would.
            await connection.DisposeAsync();
            throw new Microsoft.Data.Sqlite.SqliteException("attempt to write a readonly database: the file is not writable now", 8);
        }
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_autocheckpoint={BackstopCheckpointPages}";
        await command.ExecuteNonQueryAsync(ct);
        if (connection is StatementCachingConnection kept)
        {
            kept.Timing = new StatementTiming(StatementDuration, _database);
        }
        return connection;
    }

    /// <summary>
    /// Copies committed pages from the WAL into the database file on another connection, soon after each commit and
    /// under load every <see cref="CheckpointSpacing"/>. Left to SQLite, the commit that crosses 1,000 WAL pages does it,
    /// fsync of the database file included, and every unit queued behind it waits; a passive checkpoint takes no write
    /// lock, so the loop goes on meanwhile. Its page writes still cost the loop: a COMMIT's fsync during a checkpoint
    /// waits for the pages the checkpoint wrote, on a disk whose flush persists everything written before it, and with
    /// random-key indexes a checkpoint writes more distinct pages as the tables grow. Every 250 ms, each checkpoint
    /// wrote thousands of pages (12-24 ms) and create's p99 at 64 connections grew with the tables, 43 -> 114 ms over
    /// four rounds; every 10 ms it stayed at 18-23 ms (2.8 ms at 1 connection instead of 20), for about a tenth of
    /// create's throughput at 64 connections (bench/README.md). On its own thread, at nice 19, in I/O class idle or
    /// without its fsync, a checkpoint cost the same; only smaller ones helped.
    /// </summary>
    private async Task CheckpointAsync()
    {
        var stop = _stopping.Token;
        try
        {
            while (true)
            {
                await _committed.Reader.ReadAsync(stop);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await using var connection = await _openReader(stop);
                    await using var command = connection.CreateCommand();
                    command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                    await command.ExecuteNonQueryAsync(stop);
                    CheckpointDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _database);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Tried again after the next commit; meanwhile the writer's own checkpoint is the backstop.
                }
                // Spaced from this one's start: a commit made meanwhile has left its signal, and the next checkpoint
                // copies what it and the commits after it wrote.
                var rest = CheckpointSpacing - Stopwatch.GetElapsedTime(started);
                if (rest > TimeSpan.Zero)
                {
                    await Task.Delay(rest, stop);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // shutting down
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
        // Not back to the pool: the next group would be handed the same SQLite connection, opened when the file could
        // be written (a file made read-only since is met only by a connection opened after the change).
        if (connection is Microsoft.Data.Sqlite.SqliteConnection sqlite)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearPool(sqlite);
        }
        await connection.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Open.TryRemove(this, out _);
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        await _loop;
        await _checkpoints;
        _stopping.Dispose();
    }

    private abstract class Work(string kind)
    {
        private int _state; // 0 waiting, 1 started, 2 given up

        /// <summary>What asked for the unit (see <see cref="UnitDuration"/>).</summary>
        public string Kind { get; } = kind;

        /// <summary>How long the unit held the writer, in seconds, once it ran.</summary>
        public double Held { get; set; }

        /// <summary>False when the caller gave up first.</summary>
        public bool Start() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

        protected bool TryGiveUp() => Interlocked.CompareExchange(ref _state, 2, 0) == 0;

        /// <summary>
        /// Runs the unit and keeps its outcome (a value, or the exception it threw) for <see cref="Answer"/>: nothing is
        /// told to its caller before the group's COMMIT. True when the unit committed its writes.
        /// </summary>
        public abstract Task<bool> RunAsync(WriteUnit unit);

        /// <summary>The group committed: the caller gets the unit's own outcome, after its after-commit hand-overs.</summary>
        public abstract void Answer();

        /// <summary>The unit will not be written (its group failed, or the writer could not run it).</summary>
        public abstract void Failed(Exception e);

        /// <summary>The unit threw a failure of the database file rather than of its own work (see <see cref="DatabaseOutage"/>).</summary>
        public abstract bool FileRefused { get; }

        /// <summary>The asking request's trace, captured on its thread (see <see cref="WriteUnit.TraceParent"/>).</summary>
        public string? TraceParent { get; } = System.Diagnostics.Activity.Current?.Id;
    }

    private sealed class Work<T>(Func<WriteUnit, Task<T>> work, string kind) : Work(kind)
    {
        private T _value = default!;
        private Exception? _thrown;
        private WriteUnit? _unit;

        public TaskCompletionSource<T> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool FileRefused => _thrown is not null && DatabaseOutage.Reason(_thrown) is not null;

        public void GiveUp(CancellationToken ct)
        {
            if (TryGiveUp())
            {
                Result.TrySetCanceled(ct);
            }
        }

        public override async Task<bool> RunAsync(WriteUnit unit)
        {
            _unit = unit;
            try
            {
                _value = await work(unit);
            }
            catch (Exception e)
            {
                _thrown = e;
                return false;
            }
            return unit.Committed;
        }

        public override void Answer()
        {
            if (_thrown is not null)
            {
                Result.TrySetException(_thrown);
                return;
            }
            if (_unit!.Committed)
            {
                _unit.RunAfterCommit();
            }
            Result.TrySetResult(_value);
        }

        public override void Failed(Exception e) => Result.TrySetException(e);
    }

    /// <summary>Fails the step it is called for when set (tests inject failures with it); null in service.</summary>
    internal Action<WriterStep>? Fault { get; set; }

    /// <summary>The steps of a write group, in the order a group takes them.</summary>
    internal enum WriterStep
    {
        Begin,
        Savepoint,
        Rollback,
        Release,
        Commit,
    }
}
