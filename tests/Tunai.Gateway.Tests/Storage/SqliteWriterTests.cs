using Dapper;
using Microsoft.Data.Sqlite;
using Tunai.Gateway.Configuration;
using Tunai.Gateway.Storage;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Storage;

/// <summary>
/// What only SQLite's writer does (so these run on SQLite whatever the suite's provider): it keeps each statement
/// compiled on its connection, and leaves checkpoints to another connection.
/// </summary>
public sealed class SqliteWriterTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tunai-writer-").FullName;
    private Database _database = null!;

    private string DatabaseFile => Path.Combine(_folder, "tunai.db");

    public async ValueTask InitializeAsync()
    {
        _database = new Database(new TunaiOptions { Storage = new StorageOptions { Provider = StorageProvider.Sqlite, SqlitePath = DatabaseFile } });
        await using var c = await _database.OpenAsync();
        await c.ExecuteAsync(
            """
            PRAGMA journal_mode=WAL;
            CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, payload BLOB);
            """);
    }

    public async ValueTask DisposeAsync()
    {
        await _database.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task AReaderHasItsSettingsOnEveryOpenThoughTheyAreMadeOncePerSqliteConnection()
    {
        SqliteConnection.ClearAllPools();
        var handles = new List<SQLitePCL.sqlite3>();
        for (var open = 0; open < 3; open++)
        {
            if (open == 2)
            {
                // A new SQLite connection: configured when first opened.
                SqliteConnection.ClearAllPools();
            }
            await using var c = await _database.OpenAsync();
            handles.Add(((SqliteConnection)c).Handle!);
            var (foreignKeys, busyTimeout, synchronous) = await c.QuerySingleAsync<(long, long, long)>(
                "SELECT (SELECT foreign_keys FROM pragma_foreign_keys), (SELECT timeout FROM pragma_busy_timeout), (SELECT synchronous FROM pragma_synchronous)");
            Assert.Equal((1L, 30000L, 2L), (foreignKeys, busyTimeout, synchronous));
        }
        // The second open was the pool's first connection again (its settings kept, not made again); the third a new one.
        Assert.Same(handles[0], handles[1]);
        Assert.NotSame(handles[1], handles[2]);
    }

    [Fact]
    public async Task SqliteKeepsNoProcessWideMemoryStatisticsWhoseMutexEveryConnectionWouldTake()
    {
        // The writer's connection and a reader's, open and working: each holds SQLite memory (page caches, statements).
        await WriteAsync(unit => unit.Connection.ExecuteAsync(
            "INSERT INTO things (name, payload) VALUES ('counted', zeroblob(10000))", transaction: unit.Transaction));
        await using var reader = await _database.OpenAsync();
        Assert.Equal(1L, await reader.ExecuteScalarAsync<long>("SELECT count(*) FROM things WHERE name = 'counted'"));

        Assert.True(Database.SetUpSqliteProcess(), "SQLite refused to turn its memory statistics off: a connection opened before the gateway set it up");
        // With the statistics on, SQLite counts the bytes every connection of the process holds (about 460 KB here), each
        // malloc and free under one mutex; off, it counts nothing.
        Assert.Equal(SQLitePCL.raw.SQLITE_OK, SQLitePCL.raw.sqlite3_status(SQLitePCL.raw.SQLITE_STATUS_MEMORY_USED, out var used, out var highest, 0));
        Assert.Equal((0, 0), (used, highest));
    }

    [Fact]
    public async Task AKeptStatementRunsAgainWithNewValuesAfterItFailed()
    {
        const string insert = "INSERT INTO things (id, name) VALUES (@id, @name) RETURNING id";
        Assert.Equal(1L, await WriteAsync(unit => unit.Connection.ExecuteScalarAsync<long>(insert, new { id = 1, name = "one" }, unit.Transaction)));
        // The same text, refused by the UNIQUE constraint: the unit rolls back alone.
        var refused = await Assert.ThrowsAsync<SqliteException>(() =>
            WriteAsync(unit => unit.Connection.ExecuteScalarAsync<long>(insert, new { id = 2, name = "one" }, unit.Transaction)));
        Assert.True(Database.IsUniqueViolation(refused), refused.Message);
        Assert.Equal(3L, await WriteAsync(unit => unit.Connection.ExecuteScalarAsync<long>(insert, new { id = 3, name = "three" }, unit.Transaction)));

        // Read back through the writer with one text and different values, and with Dapper's list expansion,
        // which rewrites the text per list length.
        foreach (var (id, name) in new[] { (1, "one"), (3, "three") })
        {
            Assert.Equal(name, await WriteAsync(unit =>
                unit.Connection.QuerySingleAsync<string>("SELECT name FROM things WHERE id = @id", new { id }, unit.Transaction)));
        }
        foreach (var ids in new[] { new[] { 1L }, [1L, 3L], [3L], [1L, 2L, 3L] })
        {
            var found = await WriteAsync(unit =>
                unit.Connection.QueryAsync<long>($"SELECT id FROM things WHERE {_database.NotIn("id", "@ids")} ORDER BY id", new { ids }, unit.Transaction));
            Assert.Equal(new[] { 1L, 3L }.Except(ids), found);
        }
    }

    [Fact]
    public async Task CommittedPagesReachTheDatabaseFileWithoutTheWriterCheckpointing()
    {
        var before = new FileInfo(DatabaseFile).Length;
        // About 2 MB: half of what would make SQLite's default checkpoint run on the writer (1,000 pages).
        for (var i = 0; i < 16; i++)
        {
            var payload = new byte[128 * 1024];
            Random.Shared.NextBytes(payload);
            await WriteAsync(unit => unit.Connection.ExecuteAsync(
                "INSERT INTO things (name, payload) VALUES (@name, @payload)", new { name = $"blob-{i}", payload }, unit.Transaction));
        }

        await Eventually.WaitAsync(() => new FileInfo(DatabaseFile).Length >= before + 2_000_000,
            "the WAL's pages copied into the database file");
    }

    [Fact]
    public async Task EachCommitIsFollowedByACheckpointAndAWriterWithNothingCommittedCheckpointsNothing()
    {
        var checkpoints = 0;
        var path = Path.GetFullPath(DatabaseFile);
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "tunai.sqlite.checkpoint.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "db.namespace" && tag.Value as string == path)
                {
                    Interlocked.Increment(ref checkpoints);
                }
            }
        });
        listener.Start();

        for (var i = 0; i < 3; i++)
        {
            var before = Volatile.Read(ref checkpoints);
            await WriteAsync(unit => unit.Connection.ExecuteAsync(
                "INSERT INTO things (name) VALUES (@name)", new { name = $"committed-{i}" }, unit.Transaction));
            await Eventually.WaitAsync(() => Volatile.Read(ref checkpoints) > before, $"a checkpoint after commit {i}");
        }

        // Each commit's checkpoint has run and nothing was committed since: the checkpointer waits for the next commit
        // instead of waking on a timer to find nothing to copy.
        var settled = Volatile.Read(ref checkpoints);
        await Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);
        Assert.Equal(settled, Volatile.Read(ref checkpoints));
    }

    [Fact]
    public async Task AUnitThatChangedMorePagesThanSqliteKeepsInMemoryByDefaultRollsBackAloneBesideOthers()
    {
        // The writer keeps its savepoints' journal in memory (temp_store=MEMORY): by default SQLite spills it to a
        // temp file past 64 KiB, for the rest of the group's transaction.
        Assert.Equal(2L, await WriteAsync(unit => unit.Connection.QuerySingleAsync<long>("PRAGMA temp_store", transaction: unit.Transaction)));

        var original = new byte[1024];
        Random.Shared.NextBytes(original);
        await WriteAsync(async unit =>
        {
            for (var i = 0; i < 300; i++)
            {
                await unit.Connection.ExecuteAsync(
                    "INSERT INTO things (name, payload) VALUES (@name, @payload)", new { name = $"kept-{i}", payload = original }, unit.Transaction);
            }
            return 0;
        });

        // About 300 KiB of pages changed, then the unit fails, among units that succeed in the same groups.
        var failing = _database.WriteAsync<int>(async unit =>
        {
            await unit.Connection.ExecuteAsync("UPDATE things SET payload = randomblob(1024) WHERE name LIKE 'kept-%'", transaction: unit.Transaction);
            throw new InvalidOperationException("the unit fails after its writes");
        });
        var others = Enumerable.Range(0, 20).Select(i => WriteAsync(unit => unit.Connection.ExecuteAsync(
            "INSERT INTO things (name) VALUES (@name)", new { name = $"other-{i}" }, unit.Transaction))).ToArray();
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        await Task.WhenAll(others);

        await using var c = await _database.OpenAsync();
        var payloads = (await c.QueryAsync<byte[]>("SELECT payload FROM things WHERE name LIKE 'kept-%'")).ToList();
        Assert.Equal(300, payloads.Count);
        Assert.All(payloads, payload => Assert.Equal(original, payload));
        Assert.Equal(20L, await c.QuerySingleAsync<long>("SELECT count(*) FROM things WHERE name LIKE 'other-%'"));
    }

    private Task<T> WriteAsync<T>(Func<WriteUnit, Task<T>> work) => _database.WriteAsync(async unit =>
    {
        var result = await work(unit);
        unit.Commit();
        return result;
    });
}
