using System.Data;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Tunai.Gateway.Storage;

/// <summary>
/// Opens connections to the configured database and runs units of writes. The SQL in the feature folders is written
/// once for both SQLite and PostgreSQL (INTEGER/bigint ids, unix milliseconds for times, ON CONFLICT, RETURNING).
/// What differs between them lives in Storage: the few SQL fragments below (<see cref="SkipLocked"/>,
/// <see cref="NowMillis"/>, <see cref="NotIn"/>); how a unit runs a statement (<see cref="WriteUnit"/>: bound
/// straight to SQLite's writer, through Dapper on PostgreSQL); PostgreSQL's one-statement forms of two-step writes
/// (<see cref="PostgresFusions"/>); the lock instances starting together take turns on (<see cref="StartupLock"/>);
/// the line a start prints when the database fails it (<see cref="DatabaseFailure"/>); what it adds to telemetry
/// (<see cref="StorageTelemetry"/>); and the migrations. Text holds no NUL character: PostgreSQL cannot store or
/// compare text that does ("invalid byte sequence for encoding UTF8: 0x00"), so a request carrying one is refused
/// before it reaches a feature (<see cref="Api.NulRefusal"/>, <see cref="Api.FieldReader"/>).
/// </summary>
public sealed class Database : IAsyncDisposable
{
    private readonly DbDataSource _source;
    private readonly SqliteWriter? _writer;
    private readonly string? _sqliteConnectionString;

    static Database()
    {
        // Columns are snake_case, properties PascalCase.
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SetUpSqliteProcess();
    }

    private static readonly Lazy<bool> SqliteMemoryStatistics = new(() =>
    {
        SQLitePCL.Batteries_V2.Init();
        return SQLitePCL.raw.sqlite3_config(SQLitePCL.raw.SQLITE_CONFIG_MEMSTATUS, 0) == SQLitePCL.raw.SQLITE_OK;
    });

    /// <summary>
    /// Turns off SQLite's memory statistics for the process, once, before its first connection opens (SQLite refuses the
    /// setting once it has initialized; the gateway's Database comes before any connection, and the test host calls this at
    /// its start). SQLite counts every allocation of every connection in process-wide statistics
    /// (<c>sqlite3_status</c>) under one mutex, which the writer and the readers on request threads each took for every
    /// malloc and free: under payment load at 64 connections the writer blocked on it (0.05-0.13 voluntary context
    /// switches per unit, about none without the statistics) and spent a quarter more CPU per unit. With the statistics off,
    /// as SQLite's documentation recommends for speed (SQLITE_DEFAULT_MEMSTATUS=0), the writer's time per payment unit went
    /// 180 -> 153 µs and payments only +12 % req/s, side by side (bench/README.md). Nothing reads those statistics;
    /// the writer's page-cache counts are per connection (<c>sqlite3_db_status</c>) and stay. True when they are off.
    /// </summary>
    internal static bool SetUpSqliteProcess() => SqliteMemoryStatistics.Value;

    public Database(TunaiOptions options)
    {
        Provider = options.Storage.Provider;
        if (Provider == StorageProvider.Sqlite)
        {
            var path = Path.GetFullPath(options.Storage.SqlitePath);
            // The database holds customers' data and (sealed) secrets: its folder and files are the owner's alone.
            // SQLite creates the -wal and -shm files with the main file's mode, so creating that one 0600 is enough.
            Secrets.OwnerOnly.CreateFolder(Path.GetDirectoryName(path)!);
            Secrets.OwnerOnly.CreateFile(path);
            var builder = new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Cache = SqliteCacheMode.Private,
                Pooling = true,
                DefaultTimeout = 30,
            };
            _source = SqliteFactory.Instance.CreateDataSource(builder.ConnectionString);
            // The writer's connection and the kept readers' serve for as long as they are open, so they are never pooled:
            // one taken from the pool could be a handle opened before the file changed (made read-only since, say).
            _sqliteConnectionString = new SqliteConnectionStringBuilder(builder.ConnectionString) { Pooling = false }.ConnectionString;
            _writer = new SqliteWriter(path, async ct =>
            {
                var writer = new StatementCachingConnection(_sqliteConnectionString);
                await writer.OpenAsync(ct);
                await ConfigureSqliteAsync(writer);
                // The writer's page cache: 64 MiB, where SQLite's default is 2. Every write unit runs on this one
                // connection, and with the default it read most b-tree pages again from the file: on a 160 MB database
                // (450,000 codes) under payment load, 14 reads (54 KB) per payment, 4.4 (15 KB) with this cache. It
                // is filled only as pages are used. While the database is under 1 GiB, SQLite scans the whole cache at
                // most COMMITs (440 us when full; bench/README.md says why); a 16 MiB cache saved part of that but
                // missed more pages as the tables grew, and the scan ends once the file passes 1 GiB.
                // Its savepoints' journal in memory (temp_store=MEMORY). Each unit runs in a savepoint, and SQLite keeps
                // the first image of every page a savepoint changes in a journal that by default lives in 64 KiB of
                // memory and, past that, spills to a temp file that then serves the rest of the group's transaction: a
                // write() per page for every later unit, and an open and unlink per group. Replaying create's statements
                // in groups of 16, one group in two spilled (strace). Side by side at 64 connections (bench/README.md):
                // 174 -> 123 us of the writer per payment (payments +21 %), 54 -> 45 per create. The journal serves
                // only to roll a unit back, never to make a commit durable (the WAL does), and it is emptied at each
                // unit's end, so it holds at most the pages one unit changed.
                await writer.ExecuteAsync("PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;");
                return writer;
            }, OpenAsync);
        }
        else
        {
            var builder = new NpgsqlDataSourceBuilder(options.Storage.ConnectionString);
            var given = builder.ConnectionStringBuilder;
            var keys = options.Storage.ConnectionString!.ToUpperInvariant();
            // A bounded pool: under a burst, requests queue for a connection instead of exhausting the server's
            // slots (and failing) when several instances share it. Statements used often are prepared once per connection.
            if (!keys.Contains("POOL SIZE", StringComparison.Ordinal))
            {
                given.MaxPoolSize = 20;
            }
            if (!keys.Contains("AUTO PREPARE", StringComparison.Ordinal))
            {
                given.MaxAutoPrepare = 64;
                given.AutoPrepareMinUsages = 2;
            }
            // Bounded waits, so that a database gone quiet answers requests 503 instead of holding them (Npgsql's own
            // defaults are 15 s for a connection and 30 s for a statement): a connection, or a free one from the pool,
            // within 15 s, and each statement within 15 s. Not less for the pool: a burst on one code (fifty tills
            // paying it at once, TwoInstancesTests) queues for longer than 5 s on a busy machine, and those requests
            // must get their answer, not a 503.
            var stated = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = options.Storage.ConnectionString };
            if (!stated.ContainsKey("Timeout"))
            {
                given.Timeout = ConnectTimeoutSeconds;
            }
            if (!stated.ContainsKey("Command Timeout") && !stated.ContainsKey("CommandTimeout"))
            {
                given.CommandTimeout = CommandTimeoutSeconds;
            }
            _source = builder.Build();
        }
    }

    /// <summary>PostgreSQL: how long a request waits for a connection unless the connection string says (Timeout).</summary>
    public const int ConnectTimeoutSeconds = 15;

    /// <summary>PostgreSQL: how long one statement may run unless the connection string says (Command Timeout).</summary>
    public const int CommandTimeoutSeconds = 15;

    public StorageProvider Provider { get; }

    /// <summary>
    /// Why the database cannot be used now (see <see cref="DatabaseOutage"/>), or null for any other failure. When
    /// the failure lost a PostgreSQL connection, the pool is emptied too: a server that stopped or was failed over took
    /// every pooled connection with it, and each would otherwise fail the request it was next handed to. (Npgsql
    /// empties it itself when a connection breaks that way, as PostgresOutageTests shows with or without this; doing it
    /// here as well costs nothing and does not rest on that.)
    /// </summary>
    public string? Outage(Exception failure)
    {
        var reason = DatabaseOutage.Reason(failure);
        if (reason is not null && _source is NpgsqlDataSource postgres && DatabaseOutage.LostConnection(failure))
        {
            postgres.Clear();
        }
        // A failure of the SQLite file met anywhere, a read's too: the writer opens its connection again before its next
        // group, so that it meets the file as it is now (a connection keeps writing through the descriptor it opened).
        if (reason is not null)
        {
            _writer?.ReopenBeforeNextGroup();
        }
        return reason;
    }

    /// <summary>SQLite's writer (null on PostgreSQL), for tests that fail its steps on purpose.</summary>
    internal SqliteWriter? Writer => _writer;

    public bool IsSqlite => Provider == StorageProvider.Sqlite;

    /// <summary>Row locking for a claim subquery: SQLite has one writer at a time and needs none.</summary>
    public string SkipLocked => IsSqlite ? "" : "FOR UPDATE SKIP LOCKED";

    /// <summary>
    /// The database server's clock in unix milliseconds, as SQL. For what instances compare with each other (their
    /// heartbeats): one clock for all, whatever the machines' clocks say.
    /// </summary>
    public string NowMillis => IsSqlite
        ? "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
        : "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";

    /// <summary>
    /// "<paramref name="column"/> is none of the array <paramref name="parameter"/>": Dapper spreads an array
    /// into a list for SQLite, while Npgsql sends it as one PostgreSQL array.
    /// </summary>
    public string NotIn(string column, string parameter) =>
        IsSqlite ? $"{column} NOT IN {parameter}" : $"NOT ({column} = ANY({parameter}))";

    public async Task<DbConnection> OpenAsync(CancellationToken ct = default)
    {
        var connection = await _source.OpenConnectionAsync(ct);
        // A pooled connection keeps its SQLite connection, and with it the settings made on it: they are made once
        // per SQLite connection, not on every open (three statements prepared and run before each request's read).
        if (IsSqlite && ((SqliteConnection)connection).Handle is { } handle && !Configured.TryGetValue(handle, out _))
        {
            await ConfigureSqliteAsync(connection);
            Configured.AddOrUpdate(handle, handle);
        }
        return connection;
    }

    /// <summary>The SQLite connections (of any pool) already configured; an entry goes when its connection is collected.</summary>
    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> Configured = new();

    /// <summary>
    /// Per-connection settings. synchronous=FULL with WAL: a commit returns only after the WAL is fsynced, so a
    /// 200 for a write means it is on disk.
    /// </summary>
    private static async Task ConfigureSqliteAsync(DbConnection connection) =>
        await connection.ExecuteAsync("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;");

    /// <summary>
    /// Runs a unit of writes (see <see cref="WriteUnit"/>) and returns its answer once what it committed is
    /// durable. On SQLite units queue for the one writer and commit in groups (<see cref="SqliteWriter"/>), so
    /// a unit holds the write lock from its first statement and two writers never deadlock upgrading a read
    /// lock; on PostgreSQL each unit is a transaction relying on row locks and constraints. A unit must not
    /// start another unit, and should do little besides its statements: on SQLite the next unit waits for it.
    /// </summary>
    /// <param name="work">The unit.</param>
    /// <param name="ct">Gives up while the unit waits for SQLite's writer or for a connection.</param>
    /// <param name="caller">Filled in by the compiler: the asking feature's file, whose name says what the unit is in the
    /// writer's timing (<c>tunai.sqlite.write_unit.duration</c>) and in PostgreSQL's commit count.</param>
    public async Task<T> WriteAsync<T>(Func<WriteUnit, Task<T>> work, CancellationToken ct = default, [CallerFilePath] string caller = "")
    {
        var kind = UnitKind(caller);
        if (_writer is not null)
        {
            return await _writer.WriteAsync(unit => FinishedAsync(work, unit), kind, ct);
        }
        // On PostgreSQL a unit answers on its own transaction's outcome alone. A unit that writes nothing (a replay of
        // a Request-Id or a store's trx_id) reads at READ COMMITTED, so it can see only what other transactions have
        // already committed, never their uncommitted work; and with synchronous_commit on (the server's default, which
        // docs/production.md requires) committed means on disk. So a replay's answer never rests on a row that may
        // yet be lost, unlike on SQLite's writer, where units of one group see each other's writes before the COMMIT
        // and are therefore all answered only after it (see SqliteWriter).
        await using var connection = await OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var unit = new WriteUnit(connection, tx) { TraceParent = System.Diagnostics.Activity.Current?.Id };
        var result = await FinishedAsync(work, unit);
        if (unit.Committed)
        {
            // Not cancellable: once asked, the outcome must be known. A span of its own: the COMMIT is a round trip
            // that Npgsql's command spans do not show.
            using (Telemetry.GatewayTelemetry.Source.StartActivity("db commit", System.Diagnostics.ActivityKind.Client))
            {
                await tx.CommitAsync(CancellationToken.None);
            }
            Commits.Add(1, new KeyValuePair<string, object?>("tunai.unit", kind));
            unit.RunAfterCommit();
        }
        return result;
    }

    /// <summary>
    /// Runs <paramref name="writes"/> (see <see cref="WriteTogether"/>) as one write that commits by itself, and returns
    /// once it is durable: what each write wrote, or null when the first wrote nothing, and then nothing was written.
    /// A failure of any write (a unique violation) writes nothing and throws. On SQLite a unit of the writer, answered
    /// after its group's COMMIT; on PostgreSQL one statement outside any transaction, so its own implicit transaction:
    /// one round trip, durable when it returns (synchronous_commit on, as docs/production.md requires).
    /// </summary>
    /// <param name="writes">The writes.</param>
    /// <param name="ct">Gives up while the write waits for SQLite's writer or for a connection.</param>
    /// <param name="caller">Filled in by the compiler (see <see cref="WriteAsync{T}"/>).</param>
    public async Task<WrittenTogether?> TryWriteTogetherAsync(WriteTogether writes, CancellationToken ct = default, [CallerFilePath] string caller = "")
    {
        if (_writer is not null)
        {
            return await _writer.WriteAsync(unit =>
            {
                var written = unit.RunTogether(writes);
                if (written is not null)
                {
                    unit.Commit();
                }
                return Task.FromResult(written);
            }, UnitKind(caller), ct);
        }
        await using var connection = await OpenAsync(ct);
        await using var reader = await connection.ExecuteReaderAsync(
            PostgresFusions.Together(writes), PostgresFusions.TogetherParameters(writes));
        if (!await reader.ReadAsync(CancellationToken.None))
        {
            throw new InvalidOperationException("A write together returned no row");
        }
        var ids = new long?[reader.FieldCount];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = reader.IsDBNull(i) ? null : reader.GetInt64(i);
        }
        // Read to its end, the implicit transaction's COMMIT included: a failure there throws here, not after the answer.
        await reader.CloseAsync();
        return ids[0] is null ? null : new WrittenTogether(ids);
    }

    /// <summary>
    /// The first row of each of two queries, read outside any unit of writes and together: on PostgreSQL one round trip
    /// (the two statements sent as one command); on SQLite on a kept reader connection whose statements stay compiled,
    /// so the writer is not held for them. Each sees what was committed before it ran, and nothing else (committed is on
    /// disk on both: synchronous=FULL, synchronous_commit on). For a request that reads what it then writes together
    /// (<see cref="TryWriteTogetherAsync"/>), its writes conditional on what it read still being so.
    /// </summary>
    public async Task<(TA? A, TB? B)> ReadTogetherAsync<TArgsA, TA, TArgsB, TB>(Query<TArgsA, TA> a, TArgsA argsA, Query<TArgsB, TB> b,
        TArgsB argsB, CancellationToken ct = default)
        where TA : class
        where TB : class
    {
        BoundStatement first = a.Statement.Bind(argsA), second = b.Statement.Bind(argsB);
        if (IsSqlite)
        {
            // A connection of the pool compiles each statement afresh (a join of five tables costs more to compile than
            // to run): a kept reader binds to statements it compiled once.
            var reader = _readers.TryTake(out var kept) ? kept : await OpenReaderAsync(ct);
            try
            {
                var rows = (reader.Read(first.Sql, first.Names, first.Values), reader.Read(second.Sql, second.Names, second.Values));
                _readers.Add(reader);
                return (rows.Item1 is { } ra ? a.Read(ra) : null, rows.Item2 is { } rb ? b.Read(rb) : null);
            }
            catch
            {
                await reader.DisposeAsync();
                throw;
            }
        }
        await using var connection = await OpenAsync(ct);
        var parameters = new DynamicParameters();
        var text = new System.Text.StringBuilder();
        foreach (var (statement, place) in new[] { (first, 0), (second, 1) })
        {
            text.Append(PostgresFusions.Renamed(statement.Sql, place)).Append(";\n");
            for (var i = 0; i < statement.Names.Length; i++)
            {
                parameters.Add($"t{place}_{statement.Names[i]}", statement.Values[i]);
            }
        }
        await using var results = await connection.ExecuteReaderAsync(text.ToString(), parameters);
        var rowA = await Row.FirstAsync(results, ct);
        if (!await results.NextResultAsync(ct))
        {
            throw new InvalidOperationException("The second query of a read together returned no result");
        }
        var rowB = await Row.FirstAsync(results, ct);
        return (rowA is null ? null : a.Read(rowA), rowB is null ? null : b.Read(rowB));
    }

    /// <summary>SQLite connections for <see cref="ReadTogetherAsync"/>, each keeping its statements compiled; one reader at a time each.</summary>
    private readonly System.Collections.Concurrent.ConcurrentBag<StatementCachingConnection> _readers = [];

    private async Task<StatementCachingConnection> OpenReaderAsync(CancellationToken ct)
    {
        var connection = new StatementCachingConnection(_sqliteConnectionString!);
        try
        {
            await connection.OpenAsync(ct);
            await ConfigureSqliteAsync(connection);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The unit kind for a caller's file: its name, without folder and extension.</summary>
    private static string UnitKind(string caller) =>
        UnitKinds.GetOrAdd(caller, static path => Path.GetFileNameWithoutExtension(path.Replace('\\', '/').Split('/')[^1]));

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> UnitKinds = new(StringComparer.Ordinal);

    private static readonly Meter Meter = new(StorageTelemetry.MeterName);

    /// <summary>
    /// PostgreSQL COMMITs the gateway sent, by unit kind. Npgsql's own metrics count commands and batches
    /// (<c>db.client.operation.duration</c>) but not a transaction's COMMIT, which is a round trip too: with this
    /// count, <c>bench/run</c> gives round trips per request.
    /// </summary>
    private static readonly Counter<long> Commits = Meter.CreateCounter<long>(
        "tunai.postgres.commits", "{commit}", "COMMITs sent to PostgreSQL, by unit kind");

    /// <summary>
    /// Runs the unit and then, if it committed, its deferred writes (<see cref="WriteUnit.Later{TArgs}"/>): the same on
    /// both databases, so a failure there fails the unit before anything of it is kept.
    /// </summary>
    private static async Task<T> FinishedAsync<T>(Func<WriteUnit, Task<T>> work, WriteUnit unit)
    {
        var result = await work(unit);
        if (unit.Committed)
        {
            await unit.FinishAsync();
        }
        return result;
    }

    /// <summary>
    /// True for a failure that the same statements may not meet again: serialization failure, deadlock, a lost or
    /// refused connection, a busy SQLite file. The unit of work was rolled back, so it can simply run again.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        PostgresException p => p.IsTransient || p.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected,
        NpgsqlException n => n.IsTransient,
        SqliteException { SqliteErrorCode: 5 or 6 } => true, // SQLITE_BUSY, SQLITE_LOCKED
        WriteGroupFailedException => true,
        _ => false,
    };

    /// <summary>True when the exception is a unique-constraint violation, whichever the database.</summary>
    public static bool IsUniqueViolation(Exception exception) => exception switch
    {
        SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 } => true,
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } => true,
        _ => false,
    };

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }
        while (_readers.TryTake(out var reader))
        {
            await reader.DisposeAsync();
        }
        await _source.DisposeAsync();
    }
}
