using System.Data.Common;
using System.Diagnostics.Metrics;
using Dapper;
using Tunai.Gateway.Configuration;
using Tunai.Gateway.Storage;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Storage;

/// <summary>
/// Write units on the suite's database: on SQLite they queue for one writer and commit in groups (one savepoint
/// per unit inside the group's transaction), on PostgreSQL each is a transaction. Either way a unit's writes
/// take effect together when its CommitAsync returns, or not at all, whatever its neighbours do.
/// </summary>
public sealed class WriteUnitTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tunai-units-").FullName;
    private TestDatabase _test = null!;
    private Database _database = null!;

    public async ValueTask InitializeAsync()
    {
        _test = await TestDatabase.CreateAsync(_folder);
        _database = new Database(new TunaiOptions { Storage = _test.Storage() });
        await using var c = await _database.OpenAsync();
        await c.ExecuteAsync("CREATE TABLE things (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
    }

    private readonly List<MeterListener> _listeners = [];

    public async ValueTask DisposeAsync()
    {
        _listeners.ForEach(l => l.Dispose());
        await _database.DisposeAsync();
        await _test.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task UnitsQueuedBehindABusyUnitAllCommitAndEachIsVisibleWhenItsCallIsAnswered()
    {
        var groups = ListenToGroups();
        var durations = ListenToDurations();
        var (first, release) = await HoldAsync(0);
        // Queued while the first unit holds the writer: on SQLite they run after it, in its group.
        var queued = Enumerable.Range(1, 50).Select(i => InsertAsync(i, commit: true)).ToList();
        release.SetResult();
        await first;
        foreach (var unit in queued)
        {
            await unit;
        }

        Assert.Equal(Enumerable.Range(0, 51).Select(i => (long)i), await IdsAsync());
        if (_database.IsSqlite)
        {
            Assert.Equal(51, groups.Sum());
            Assert.True(groups.Count < 51, $"expected shared commits, saw groups of {string.Join(", ", groups)}");
            // Each commit also reports how long its group ran and how long the COMMIT took.
            lock (durations)
            {
                foreach (var name in new[] { "tunai.sqlite.write_group.duration", "tunai.sqlite.commit.duration" })
                {
                    Assert.Equal(groups.Count, durations.Count(d => d.Name == name));
                    Assert.All(durations.Where(d => d.Name == name), d => Assert.True(d.Seconds > 0, $"{name} {d.Seconds}"));
                }
            }
        }
    }

    [Fact]
    public async Task AUnitThatDoesNotCommitLeavesNothingWhileTheUnitsAroundItCommit()
    {
        var (first, release) = await HoldAsync(1);
        var abandoned = InsertAsync(2, commit: false);
        var last = InsertAsync(3, commit: true);
        release.SetResult();
        await Task.WhenAll(first, abandoned, last);

        Assert.Equal([1L, 3L], await IdsAsync());
    }

    [Fact]
    public async Task AFailedStatementRollsBackOnlyItsOwnUnit()
    {
        var (first, release) = await HoldAsync(1);
        var clash = _database.WriteAsync(async unit =>
        {
            await Insert(unit, 2);
            // Same name as unit 1 (committed in this group or before): the unit's own insert of 2 must go too.
            await unit.Connection.ExecuteAsync("INSERT INTO things (id, name) VALUES (20, 'thing 1')", transaction: unit.Transaction);
            unit.Commit();
            return true;
        });
        var last = InsertAsync(3, commit: true);
        release.SetResult();
        await Task.WhenAll(first, last);

        Assert.True(Database.IsUniqueViolation(await Assert.ThrowsAnyAsync<DbException>(() => clash)));
        Assert.Equal([1L, 3L], await IdsAsync());
    }

    [Fact]
    public async Task AUnitWhoseCallerGaveUpBeforeItRanDoesNotRunAndTheNextOneDoes()
    {
        var (first, release) = await HoldAsync(1);
        using var giveUp = new CancellationTokenSource();
        await giveUp.CancelAsync();
        var ran = false;
        var impatient = _database.WriteAsync(async unit =>
        {
            ran = true;
            await Insert(unit, 2);
            unit.Commit();
            return true;
        }, giveUp.Token);
        var patient = InsertAsync(3, commit: true);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient);
        release.SetResult();
        await Task.WhenAll(first, patient);

        Assert.False(ran);
        Assert.Equal([1L, 3L], await IdsAsync());
    }

    [Fact]
    public async Task AUnitCanCommitOnlyOnce()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _database.WriteAsync(async unit =>
        {
            await Insert(unit, 1);
            unit.Commit();
            unit.Commit();
            return true;
        }));
        Assert.Contains("already", error.Message, StringComparison.Ordinal);
        Assert.Empty(await IdsAsync());
    }

    // Two statements sharing their values, a value used twice, a NULL and a text: on SQLite's writer the values are
    // bound straight to its kept statements, elsewhere they travel as named parameters.
    private const string TwoThings =
        """
        INSERT INTO things (id, name) VALUES (@first, @name);
        INSERT INTO things (id, name) SELECT @first + @step, COALESCE(@missing, @name || ' again') WHERE @missing IS NULL
        """;

    private static readonly string[] TwoThingsNames = ["first", "step", "name", "missing"];

    [Fact]
    public async Task ALaterWriteByNameBindsEachValueEverywhereItsNameAppears()
    {
        for (var run = 0L; run < 3; run++)
        {
            var first = run * 10;
            var ok = await _database.WriteAsync(async unit =>
            {
                await unit.LaterAsync(TwoThings, TwoThingsNames, [first, 5, $"thing {first}", null], rows: 2);
                unit.Commit();
                return true;
            });
            Assert.True(ok);
        }

        await using var c = await _database.OpenAsync();
        var things = (await c.QueryAsync<(long Id, string Name)>("SELECT id, name FROM things ORDER BY id")).ToList();
        Assert.Equal(
            [(0L, "thing 0"), (5L, "thing 0 again"), (10L, "thing 10"), (15L, "thing 10 again"), (20L, "thing 20"), (25L, "thing 20 again")],
            things);
    }

    [Fact]
    public async Task ALaterWriteThatBreaksAConstraintFailsItsUnitAndItsStatementsRunAgainAfter()
    {
        await InsertAsync(1, commit: true);
        var clash = _database.WriteAsync(async unit =>
        {
            await Insert(unit, 2);
            // The second statement inserts "thing 1" again: its unique name fails the unit, its first row and id 2 with it.
            await unit.LaterAsync(TwoThings, TwoThingsNames, [3L, 5, "thing 1", null], rows: 2);
            unit.Commit();
            return true;
        });
        Assert.True(Database.IsUniqueViolation(await Assert.ThrowsAnyAsync<DbException>(() => clash)));
        Assert.Equal([1L], await IdsAsync());

        // The same text with good values: the statements that failed were reset, not left half-run.
        await _database.WriteAsync(async unit =>
        {
            await unit.LaterAsync(TwoThings, TwoThingsNames, [3L, 5, "thing 3", null], rows: 2);
            unit.Commit();
            return true;
        });
        Assert.Equal([1L, 3L, 8L], await IdsAsync());
    }

    [Fact]
    public async Task ALaterWriteByNameThatChangesOtherThanItsRowsFailsItsUnit()
    {
        var miscounted = _database.WriteAsync(async unit =>
        {
            await Insert(unit, 1);
            // The second statement's WHERE finds @missing set and inserts nothing: one row where two were promised.
            await unit.LaterAsync(TwoThings, TwoThingsNames, [2L, 5, "thing 2", "not null"], rows: 2);
            unit.Commit();
            return true;
        });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => miscounted);
        Assert.Contains("Expected 2 row(s) changed, got 1", error.Message, StringComparison.Ordinal);
        Assert.Empty(await IdsAsync());
    }

    [Fact]
    public async Task ALaterWriteByNameRefusesValuesItCannotPlace()
    {
        // As many names as values, or no statement runs.
        await Assert.ThrowsAsync<ArgumentException>(() => _database.WriteAsync(async unit =>
        {
            await unit.LaterAsync(TwoThings, TwoThingsNames, [1L, 5, "thing 1"], rows: 2);
            unit.Commit();
            return true;
        }));
        // A parameter of the SQL that no value is named for: refused before it runs on SQLite's writer, by the server on PostgreSQL.
        var unnamed = await Assert.ThrowsAnyAsync<Exception>(() => _database.WriteAsync(async unit =>
        {
            await unit.LaterAsync(TwoThings, ["first", "step", "name"], [1L, 5, "thing 1"], rows: 2);
            unit.Commit();
            return true;
        }));
        Assert.IsType(_database.IsSqlite ? typeof(ArgumentException) : typeof(Npgsql.PostgresException), unnamed);
        Assert.Empty(await IdsAsync());

        // The same text with all its names still runs (what was refused was not kept as the text's binding).
        await _database.WriteAsync(async unit =>
        {
            await unit.LaterAsync(TwoThings, TwoThingsNames, [1L, 5, "thing 1", null], rows: 2);
            unit.Commit();
            return true;
        });
        Assert.Equal([1L, 6L], await IdsAsync());
    }

    [Fact]
    public async Task AWriteByNameRunsAtOnceAndGivesTheRowsItChangedWithBooleansAndNullsBound()
    {
        const string rename = "UPDATE things SET name = @name WHERE id = @id AND @flag AND CAST(@maybe AS BIGINT) IS NULL";
        string[] names = ["name", "id", "flag", "maybe"];
        var counts = await _database.WriteAsync(async unit =>
        {
            await Insert(unit, 1);
            await Insert(unit, 2);
            int[] changed =
            [
                await unit.ExecuteAsync(rename, names, ["one", 1L, true, null]),
                // A false flag, a value where NULL was asked for, an id nobody has: nothing changes.
                await unit.ExecuteAsync(rename, names, ["two", 2L, false, null]),
                await unit.ExecuteAsync(rename, names, ["two", 2L, true, 5L]),
                await unit.ExecuteAsync(rename, names, ["three", 3L, true, null]),
                await unit.ExecuteAsync("UPDATE things SET name = name || '!' WHERE id <= @id", ["id"], [2L]),
            ];
            unit.Commit();
            return changed;
        });

        Assert.Equal([1, 0, 0, 0, 2], counts);
        await using var c = await _database.OpenAsync();
        Assert.Equal(["one!", "thing 2!"], (await c.QueryAsync<string>("SELECT name FROM things ORDER BY id")).ToList());
    }

    [Fact]
    public async Task AnInsertByNameGivesTheNewRowsIdAndFailsTheUnitWhenItInsertedNothing()
    {
        await using (var c = await _database.OpenAsync())
        {
            await c.ExecuteAsync(_database.IsSqlite
                ? "CREATE TABLE numbered (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"
                : "CREATE TABLE numbered (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name TEXT NOT NULL)");
        }
        // The row comes from another table's row, as a journal transaction comes from its payment.
        const string copy = "INSERT INTO numbered (name) SELECT name || @suffix FROM things WHERE id = @id";
        string[] names = ["suffix", "id"];
        await InsertAsync(1, commit: true);

        var ids = await _database.WriteAsync(async unit =>
        {
            long[] given = [await unit.InsertAsync(copy, names, [" a", 1L]), await unit.InsertAsync(copy, names, [" b", 1L])];
            unit.Commit();
            return given;
        });
        await using (var c = await _database.OpenAsync())
        {
            Assert.Equal([(ids[0], "thing 1 a"), (ids[1], "thing 1 b")],
                (await c.QueryAsync<(long, string)>("SELECT id, name FROM numbered ORDER BY id")).ToList());
        }
        Assert.NotEqual(ids[0], ids[1]);

        // No source row, no row inserted: the unit fails and keeps nothing it wrote before.
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => _database.WriteAsync(async unit =>
        {
            await unit.InsertAsync(copy, names, [" c", 1L]);
            await unit.InsertAsync(copy, names, [" d", 2L]);
            unit.Commit();
            return true;
        }));
        Assert.Contains("inserted", failed.Message, StringComparison.Ordinal);
        await using (var c = await _database.OpenAsync())
        {
            Assert.Equal(2, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM numbered"));
        }
    }

    [Fact]
    public async Task TheSqliteWriterReadsARowStraightWithEachColumnTypedAndNoRowAsNull()
    {
        if (!_database.IsSqlite)
        {
            Assert.Skip("SQLite's writer only: PostgreSQL units read through Npgsql");
        }
        await InsertAsync(7, commit: true);
        const string sql = "SELECT id, name, id / 2.0, NULL FROM things WHERE id = @id";
        string[] names = ["id"];
        var (found, missing) = await _database.WriteAsync(unit =>
        {
            var writer = Assert.IsType<StatementCachingConnection>(unit.Connection);
            return Task.FromResult((writer.ReadRow(sql, names, [7L]), writer.ReadRow(sql, names, [8L])));
        });

        Assert.Equal([7L, "thing 7", 3.5, null], found!);
        Assert.Null(missing);
    }

    [Fact]
    public async Task TheSqliteWriterInsertsARowStraightGivingItsIdAndKeepingABlobByteForByte()
    {
        if (!_database.IsSqlite)
        {
            Assert.Skip("SQLite's writer only: PostgreSQL units insert through Npgsql");
        }
        await using (var c = await _database.OpenAsync())
        {
            await c.ExecuteAsync("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)");
        }
        const string insert = "INSERT INTO blobs (data) VALUES (@data)";
        string[] names = ["data"];
        byte[] first = [0, 1, 2, 255, 0, 42];
        var (firstId, secondId, refusal) = await _database.WriteAsync(unit =>
        {
            var writer = Assert.IsType<StatementCachingConnection>(unit.Connection);
            var a = writer.Insert(insert, names, [first]);
            var b = writer.Insert(insert, names, [new byte[] { 9 }]);
            // A statement that inserts no row is refused: there is no id to give.
            var none = Assert.Throws<InvalidOperationException>(() => writer.Insert("INSERT INTO blobs (data) SELECT @data WHERE 0", names, [first]));
            // An insert that may insert nothing gives no id when it did not, and the new row's when it did.
            const string tryInsert = "INSERT INTO blobs (id, data) VALUES (@id, @data) ON CONFLICT DO NOTHING";
            Assert.Null(writer.TryInsert(tryInsert, ["id", "data"], [a, new byte[] { 7 }]));
            Assert.Equal(b + 1, writer.TryInsert(tryInsert, ["id", "data"], [b + 1, new byte[] { 8 }]));
            unit.Commit();
            return Task.FromResult((a, b, none.Message));
        });

        Assert.Contains("not 0", refusal, StringComparison.Ordinal);
        await using var read = await _database.OpenAsync();
        var rows = (await read.QueryAsync<(long Id, byte[] Data)>("SELECT id, data FROM blobs ORDER BY id")).ToList();
        Assert.Equal([firstId, secondId, secondId + 1], rows.Select(r => r.Id));
        Assert.Equal(firstId + 1, secondId);
        Assert.Equal(first, rows[0].Data);
        Assert.Equal([9], rows[1].Data);
        Assert.Equal([8], rows[2].Data);
    }

    /// <summary>A unit that inserts <paramref name="id"/> and then waits: on SQLite the writer is busy until released.</summary>
    private async Task<(Task Unit, TaskCompletionSource Release)> HoldAsync(long id)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var unit = _database.WriteAsync(async unit =>
        {
            await Insert(unit, id);
            started.SetResult();
            await release.Task;
            unit.Commit();
            return true;
        });
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return (unit, release);
    }

    private static Task<int> Insert(WriteUnit unit, long id) =>
        unit.Connection.ExecuteAsync("INSERT INTO things (id, name) VALUES (@id, @name)", new { id, name = $"thing {id}" }, unit.Transaction);

    private Task<bool> InsertAsync(long id, bool commit) => _database.WriteAsync(async unit =>
    {
        await Insert(unit, id);
        if (commit)
        {
            unit.Commit();
        }
        return commit;
    });

    private async Task<List<long>> IdsAsync()
    {
        await using var c = await _database.OpenAsync();
        return (await c.QueryAsync<long>("SELECT id FROM things ORDER BY id")).ToList();
    }

    /// <summary>Group sizes the writer of this test's database reports.</summary>
    private List<int> ListenToGroups()
    {
        var sizes = new List<int>();
        var path = Path.GetFullPath(Path.Combine(_folder, "tunai.db"));
        var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "tunai.sqlite.write_group.units")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "db.namespace" && Equals(tag.Value, path))
                {
                    lock (sizes)
                    {
                        sizes.Add(value);
                    }
                }
            }
        });
        listener.Start();
        _listeners.Add(listener);
        return sizes;
    }

    private List<(string Name, double Seconds)> ListenToDurations()
    {
        var durations = new List<(string, double)>();
        var path = Path.GetFullPath(Path.Combine(_folder, "tunai.db"));
        var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name is "tunai.sqlite.write_group.duration" or "tunai.sqlite.commit.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "db.namespace" && Equals(tag.Value, path))
                {
                    lock (durations)
                    {
                        durations.Add((instrument.Name, value));
                    }
                }
            }
        });
        listener.Start();
        _listeners.Add(listener);
        return durations;
    }
}
