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
        var groups = Listen<int>("tunai.sqlite.write_group.units");
        var durations = Listen<double>("tunai.sqlite.write_group.duration", "tunai.sqlite.commit.duration");
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
            Assert.Equal(51, groups.Sum(g => g.Value));
            Assert.True(groups.Count < 51, $"expected shared commits, saw groups of {string.Join(", ", groups.Select(g => g.Value))}");
            // Each commit also reports how long its group ran and how long the COMMIT took.
            lock (durations)
            {
                foreach (var name in new[] { "tunai.sqlite.write_group.duration", "tunai.sqlite.commit.duration" })
                {
                    Assert.Equal(groups.Count, durations.Count(d => d.Instrument == name));
                    Assert.All(durations.Where(d => d.Instrument == name), d => Assert.True(d.Value > 0, $"{name} {d.Value}"));
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

    private sealed record Thing(long First, long Step, string Name, string? Missing);

    // Two statements sharing their values, a value used twice, a NULL and a text: on SQLite's writer the values are
    // bound straight to its kept statements, elsewhere they travel as named parameters.
    private const string TwoThingsSql =
        """
        INSERT INTO things (id, name) VALUES (@first, @name);
        INSERT INTO things (id, name) SELECT @first + @step, COALESCE(@missing, @name || ' again') WHERE @missing IS NULL
        """;

    private static readonly Statement<Thing> TwoThings = new(TwoThingsSql,
        ("first", t => t.First), ("step", t => t.Step), ("name", t => t.Name), ("missing", t => t.Missing));

    [Fact]
    public async Task ALaterWriteBindsEachValueEverywhereItsNameAppears()
    {
        for (var run = 0L; run < 3; run++)
        {
            var first = run * 10;
            var ok = await _database.WriteAsync(unit =>
            {
                unit.Later(TwoThings, new Thing(first, 5, $"thing {first}", null), rows: 2);
                unit.Commit();
                return Task.FromResult(true);
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
    public async Task ALaterWriteRunsOnlyOnceItsUnitReturnedHavingCommittedOnBothDatabases()
    {
        var (seenInside, returned) = await _database.WriteAsync(async unit =>
        {
            unit.Later(TwoThings, new Thing(1, 5, "thing 1", null), rows: 2);
            // Not yet written, on SQLite's writer as on PostgreSQL: the unit's own reads do not see it.
            var inside = await unit.Connection.ExecuteScalarAsync<long>("SELECT count(*) FROM things", transaction: unit.Transaction);
            unit.Commit();
            return (inside, "returned");
        });
        Assert.Equal(0, seenInside);
        Assert.Equal("returned", returned);
        Assert.Equal([1L, 6L], await IdsAsync());

        // A unit that does not commit never runs its deferred writes.
        await _database.WriteAsync(unit =>
        {
            unit.Later(TwoThings, new Thing(10, 5, "thing 10", null), rows: 2);
            return Task.FromResult(false);
        });
        Assert.Equal([1L, 6L], await IdsAsync());
    }

    [Fact]
    public async Task ALaterWriteThatBreaksAConstraintFailsItsUnitAndItsStatementsRunAgainAfter()
    {
        await InsertAsync(1, commit: true);
        var clash = _database.WriteAsync(async unit =>
        {
            await Insert(unit, 2);
            // The second statement inserts "thing 1" again: its unique name fails the unit, its first row and id 2 with it.
            unit.Later(TwoThings, new Thing(3, 5, "thing 1", null), rows: 2);
            unit.Commit();
            return true;
        });
        Assert.True(Database.IsUniqueViolation(await Assert.ThrowsAnyAsync<DbException>(() => clash)));
        Assert.Equal([1L], await IdsAsync());

        // The same text with good values: the statements that failed were reset, not left half-run.
        await _database.WriteAsync(unit =>
        {
            unit.Later(TwoThings, new Thing(3, 5, "thing 3", null), rows: 2);
            unit.Commit();
            return Task.FromResult(true);
        });
        Assert.Equal([1L, 3L, 8L], await IdsAsync());
    }

    [Fact]
    public async Task ALaterWriteThatChangesOtherThanItsRowsFailsItsUnit()
    {
        var miscounted = _database.WriteAsync(async unit =>
        {
            await Insert(unit, 1);
            // The second statement's WHERE finds @missing set and inserts nothing: one row where two were promised.
            unit.Later(TwoThings, new Thing(2, 5, "thing 2", "not null"), rows: 2);
            unit.Commit();
            return true;
        });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => miscounted);
        Assert.Contains("Expected 2 row(s) changed, got 1", error.Message, StringComparison.Ordinal);
        Assert.Empty(await IdsAsync());
    }

    [Fact]
    public void AStatementWhoseNamesAreNotItsTextsParametersIsRefusedWhereItIsDeclared()
    {
        // A parameter of the SQL that no value is named for.
        var unnamed = Assert.Throws<ArgumentException>(() => new Statement<Thing>(TwoThingsSql,
            ("first", t => t.First), ("step", t => t.Step), ("name", t => t.Name)));
        Assert.Contains("missing", unnamed.Message, StringComparison.Ordinal);
        // A value the SQL never uses, and a name given twice.
        Assert.Throws<ArgumentException>(() => new Statement<Thing>(TwoThingsSql,
            ("first", t => t.First), ("step", t => t.Step), ("name", t => t.Name), ("missing", t => t.Missing), ("other", t => t.Name)));
        Assert.Throws<ArgumentException>(() => new Statement<Thing>(TwoThingsSql,
            ("first", t => t.First), ("step", t => t.Step), ("name", t => t.Name), ("missing", t => t.Missing), ("name", t => t.Name)));
    }

    private static readonly Statement<(string Name, long Id, bool Flag, long? Maybe)> Rename = new(
        "UPDATE things SET name = @name WHERE id = @id AND @flag AND CAST(@maybe AS BIGINT) IS NULL",
        ("name", r => r.Name), ("id", r => r.Id), ("flag", r => r.Flag), ("maybe", r => r.Maybe));

    private static readonly Statement<long> Exclaim = new("UPDATE things SET name = name || '!' WHERE id <= @id", ("id", id => id));

    [Fact]
    public async Task AWriteRunsAtOnceAndGivesTheRowsItChangedWithBooleansAndNullsBound()
    {
        var counts = await _database.WriteAsync(async unit =>
        {
            await Insert(unit, 1);
            await Insert(unit, 2);
            int[] changed =
            [
                await unit.ExecuteAsync(Rename, ("one", 1L, true, null)),
                // A false flag, a value where NULL was asked for, an id nobody has: nothing changes.
                await unit.ExecuteAsync(Rename, ("two", 2L, false, null)),
                await unit.ExecuteAsync(Rename, ("two", 2L, true, 5L)),
                await unit.ExecuteAsync(Rename, ("three", 3L, true, null)),
                await unit.ExecuteAsync(Exclaim, 2L),
            ];
            unit.Commit();
            return changed;
        });

        Assert.Equal([1, 0, 0, 0, 2], counts);
        await using var c = await _database.OpenAsync();
        Assert.Equal(["one!", "thing 2!"], (await c.QueryAsync<string>("SELECT name FROM things ORDER BY id")).ToList());
    }

    private async Task CreateNumberedAsync()
    {
        await using var c = await _database.OpenAsync();
        await c.ExecuteAsync(_database.IsSqlite
            ? "CREATE TABLE numbered (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"
            : "CREATE TABLE numbered (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
        await c.ExecuteAsync("CREATE TABLE lines (id BIGINT NOT NULL, numbered_id BIGINT NOT NULL, text TEXT NOT NULL)");
    }

    // The row comes from another table's row, as a journal transaction comes from its payment.
    private static readonly Statement<(string Suffix, long Id)> Copy = new(
        "INSERT INTO numbered (name) SELECT name || @suffix FROM things WHERE id = @id", ("suffix", a => a.Suffix), ("id", a => a.Id));

    [Fact]
    public async Task AnInsertGivesTheNewRowsIdAndFailsTheUnitWhenItInsertedNothing()
    {
        await CreateNumberedAsync();
        await InsertAsync(1, commit: true);

        var ids = await _database.WriteAsync(async unit =>
        {
            long[] given = [await unit.InsertAsync(Copy, (" a", 1L)), await unit.InsertAsync(Copy, (" b", 1L))];
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
            await unit.InsertAsync(Copy, (" c", 1L));
            await unit.InsertAsync(Copy, (" d", 2L));
            unit.Commit();
            return true;
        }));
        Assert.Contains("inserted", failed.Message, StringComparison.Ordinal);
        await using (var c = await _database.OpenAsync())
        {
            Assert.Equal(2, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM numbered"));
        }
    }

    private sealed record Named(long Id, string Name, string? Nothing, long Twice);

    // Columns in another order than they are read, one of them NULL: each value is found by its name.
    private static readonly Query<long, Named> ByName = new(
        "SELECT NULL AS absent, name, id * 2 AS twice, id FROM things WHERE id = @id",
        r => new Named(r.Long("id"), r.Text("name"), r.TextOrNull("absent"), r.Long("twice")),
        ("id", id => id));

    [Fact]
    public async Task ARowIsReadByColumnNameWhateverTheColumnsOrderAndNoRowIsNull()
    {
        await InsertAsync(7, commit: true);
        var (found, missing) = await _database.WriteAsync(async unit =>
            (await unit.ReadAsync(ByName, 7L), await unit.ReadAsync(ByName, 8L)));

        Assert.Equal(new Named(7, "thing 7", null, 14), found);
        Assert.Null(missing);
    }

    private static readonly Statement<(long Id, string Name)> Unless = new(
        "UPDATE things SET name = name || '*' WHERE id = @id AND name <> @name", ("id", a => a.Id), ("name", a => a.Name));

    private static readonly Statement<(long Id, string Name)> Record = new(
        "INSERT INTO numbered (name) VALUES (@name)", ("name", a => a.Name));

    [Fact]
    public async Task AnInsertIfChangedInsertsOnlyWhenItsChangeChangedARow()
    {
        await CreateNumberedAsync();
        await InsertAsync(1, commit: true);
        var (taken, refused) = await _database.WriteAsync(async unit =>
        {
            var a = await unit.InsertIfChangedAsync(Unless, Record, (1L, "first"));
            // The same change again finds its condition false now that the row's name changed: nothing is inserted.
            var b = await unit.InsertIfChangedAsync(Unless, Record, (1L, "thing 1*"));
            unit.Commit();
            return (a, b);
        });

        Assert.NotNull(taken);
        Assert.Null(refused);
        await using var c = await _database.OpenAsync();
        Assert.Equal([(taken!.Value, "first")], (await c.QueryAsync<(long, string)>("SELECT id, name FROM numbered")).ToList());
        Assert.Equal("thing 1*", await c.ExecuteScalarAsync<string>("SELECT name FROM things WHERE id = 1"));
    }

    private static readonly Statement<string> MaybeNumber = new(
        "INSERT INTO numbered (name) VALUES (@name) ON CONFLICT DO NOTHING", ("name", name => name));

    // Finds the row just inserted as inserted.id, and returns what it wrote.
    private static readonly Query<string, Named> LineOfNew = new(
        """
        INSERT INTO lines (id, numbered_id, text) SELECT inserted.id * 10, inserted.id, @name || ' line' FROM inserted
        RETURNING numbered_id AS id, text AS name, NULL AS absent, id AS twice
        """,
        r => new Named(r.Long("id"), r.Text("name"), r.TextOrNull("absent"), r.Long("twice")),
        ("name", name => name));

    [Fact]
    public async Task AnInsertThenAStatementOfItsRowGivesTheIdAndTheRowOrNothingWhenNothingWasInserted()
    {
        await CreateNumberedAsync();
        var (first, again) = await _database.WriteAsync(async unit =>
        {
            var a = await unit.TryInsertThenReadAsync(MaybeNumber, LineOfNew, "one");
            var b = await unit.TryInsertThenReadAsync(MaybeNumber, LineOfNew, "one");
            unit.Commit();
            return (a, b);
        });

        var (id, line) = first!.Value;
        Assert.Equal(new Named(id, "one line", null, id * 10), line);
        Assert.Null(again);
        await using var c = await _database.OpenAsync();
        Assert.Equal([(id * 10, id)], (await c.QueryAsync<(long, long)>("SELECT id, numbered_id FROM lines")).ToList());
    }

    private static readonly Statement<(string Name, long Lines)> ManyLines = new(
        """
        INSERT INTO lines (id, numbered_id, text)
        SELECT inserted.id * 10 + v.column1, inserted.id, @name FROM inserted CROSS JOIN (VALUES (1), (2), (3)) v WHERE v.column1 <= @lines
        """,
        ("name", a => a.Name), ("lines", a => a.Lines));

    // The same lines, the new id taken as a parameter instead of from the relation.
    private static readonly Statement<(string Name, long Lines)> TwoLinesById = new(
        "INSERT INTO lines (id, numbered_id, text) VALUES (@inserted_id * 10 + 1, @inserted_id, @name), (@inserted_id * 10 + 2, @inserted_id, @name)",
        ("name", a => a.Name));

    private static readonly Statement<(string Name, long Lines)> NumberLater = new(
        "INSERT INTO numbered (name) VALUES (@name)", ("name", a => a.Name));

    [Fact]
    public async Task ALaterInsertAndItsLinesRunAsTheUnitsLastWritesAndFailItWhenTheLinesMiscount()
    {
        await CreateNumberedAsync();
        await _database.WriteAsync(unit =>
        {
            unit.LaterInsertThen(NumberLater, TwoLinesById, ("two", 2L), rows: 2);
            unit.LaterInsertThen(NumberLater, ManyLines, ("three", 3L), rows: 3);
            unit.Commit();
            return Task.FromResult(true);
        });
        await using (var c = await _database.OpenAsync())
        {
            var numbered = (await c.QueryAsync<(long Id, string Name)>("SELECT id, name FROM numbered ORDER BY id")).ToList();
            Assert.Equal(["two", "three"], numbered.Select(n => n.Name));
            var lines = (await c.QueryAsync<(long Id, long Of, string Text)>("SELECT id, numbered_id, text FROM lines ORDER BY id")).ToList();
            Assert.Equal(
                [.. new[] { 1L, 2L }.Select(i => (numbered[0].Id * 10 + i, numbered[0].Id, "two")),
                 .. new[] { 1L, 2L, 3L }.Select(i => (numbered[1].Id * 10 + i, numbered[1].Id, "three"))],
                lines);
        }

        // Two lines where three were promised: the unit fails, its row and lines with it.
        var miscounted = await Assert.ThrowsAsync<InvalidOperationException>(() => _database.WriteAsync(unit =>
        {
            unit.LaterInsertThen(NumberLater, ManyLines, ("four", 2L), rows: 3);
            unit.Commit();
            return Task.FromResult(true);
        }));
        Assert.Contains("Expected 3 row(s) changed, got 2", miscounted.Message, StringComparison.Ordinal);
        await using (var c = await _database.OpenAsync())
        {
            Assert.Equal(2, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM numbered"));
            Assert.Equal(5, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM lines"));
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
    public async Task EachStatementTheSqliteWriterRunsIsTimedByItsVerbAndTableBesideTheUnitsSavepoints()
    {
        if (!_database.IsSqlite)
        {
            Assert.Skip("SQLite's writer only: PostgreSQL units run through Npgsql, which times its own commands");
        }
        var timed = Listen<double>("tunai.sqlite.statement.duration");

        await _database.WriteAsync(async unit =>
        {
            await unit.ExecuteAsync(AddThing, 1L);
            unit.Commit();
            return 0;
        });
        await _database.WriteAsync(async unit =>
        {
            await unit.ExecuteAsync(Rename, ("one", 1L, true, null));
            unit.Commit();
            return 0;
        });

        lock (timed)
        {
            // Each unit's SAVEPOINT and RELEASE, the insert and the update, named by verb and table, each a time.
            Assert.Equal(2, timed.Count(t => t.Statement == "SAVEPOINT"));
            Assert.Equal(2, timed.Count(t => t.Statement == "RELEASE"));
            Assert.Equal(1, timed.Count(t => t.Statement == "INSERT things"));
            Assert.Equal(1, timed.Count(t => t.Statement == "UPDATE things"));
            Assert.All(timed, t => Assert.True(t.Value > 0, $"{t.Statement} {t.Value}"));
        }
    }

    private static readonly Statement<long> AddThing = new("INSERT INTO things (id, name) VALUES (@id, 'thing ' || @id)", ("id", id => id));

    [Theory]
    [InlineData("INSERT INTO payments (id) VALUES (@id)", "INSERT payments")]
    [InlineData("WITH inserted(id) AS (SELECT @inserted_id) INSERT INTO code_fees (payment_code_id) SELECT id FROM inserted", "INSERT code_fees")]
    [InlineData("UPDATE payment_codes SET status = 'PAID', updated_at = @now WHERE id = @id", "UPDATE payment_codes")]
    [InlineData("DELETE FROM idempotency_keys WHERE expires_at < @now", "DELETE idempotency_keys")]
    [InlineData("SELECT p.id, f.fee FROM payment_codes p JOIN code_fees f ON f.payment_code_id = p.id", "SELECT payment_codes")]
    [InlineData("SAVEPOINT unit", "SAVEPOINT")]
    [InlineData("RELEASE unit", "RELEASE")]
    public void AStatementIsNamedForItsTimingByItsVerbAndItsTable(string sql, string label) =>
        Assert.Equal(label, StatementCachingConnection.StatementLabel(sql));

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

    /// <summary>
    /// What the named instruments of the writer of this test's database report (its db.namespace is this test's file,
    /// whatever other tests run beside it), with each measurement's statement where it names one.
    /// </summary>
    private List<(string Instrument, string? Statement, T Value)> Listen<T>(params string[] instruments) where T : struct
    {
        var seen = new List<(string, string?, T)>();
        var path = Path.GetFullPath(Path.Combine(_folder, "tunai.db"));
        var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instruments.Contains(instrument.Name))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<T>((instrument, value, tags, _) =>
        {
            var (database, statement) = ((string?)null, (string?)null);
            foreach (var tag in tags)
            {
                database = tag.Key == "db.namespace" ? tag.Value as string : database;
                statement = tag.Key == "tunai.statement" ? tag.Value as string : statement;
            }
            if (database == path)
            {
                lock (seen)
                {
                    seen.Add((instrument.Name, statement, value));
                }
            }
        });
        listener.Start();
        _listeners.Add(listener);
        return seen;
    }
}
