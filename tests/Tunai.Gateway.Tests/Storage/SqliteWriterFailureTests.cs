using Dapper;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Data.Sqlite;
using Tunai.Gateway.Configuration;
using Tunai.Gateway.Storage;
using Tunai.Gateway.Tests.Infrastructure;
using WriterStep = Tunai.Gateway.Storage.SqliteWriter.WriterStep;

namespace Tunai.Gateway.Tests.Storage;

/// <summary>
/// What SQLite's writer answers when units share a group and a step of the group fails: no caller is told anything
/// before the group's COMMIT, every started unit is answered exactly once, and what was answered success is what is
/// found on disk after a restart. Groups are formed on purpose: a first unit holds the writer's loop on a gate while
/// the others queue behind it, then all run back to back in one transaction. Failures are real SQLite failures (a
/// constraint checked at COMMIT) or thrown at a chosen step through the writer's fault hook.
/// </summary>
public sealed class SqliteWriterFailureTests : IAsyncLifetime
{
    /// <summary>Long enough for any answer on a loaded machine; a unit never answered fails the test here instead of hanging it.</summary>
    private static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(30);

    private readonly string _folder = Directory.CreateTempSubdirectory("tunai-writer-faults-").FullName;
    private Database _database = null!;

    private string DatabaseFile => Path.Combine(_folder, "tunai.db");

    public async ValueTask InitializeAsync()
    {
        _database = Open(DatabaseFile);
        await using var c = await _database.OpenAsync();
        await c.ExecuteAsync(
            """
            PRAGMA journal_mode=WAL;
            CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
            CREATE TABLE parents (id INTEGER PRIMARY KEY);
            CREATE TABLE children (id INTEGER PRIMARY KEY,
                parent_id INTEGER NOT NULL REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED);
            """);
    }

    public async ValueTask DisposeAsync()
    {
        await _database.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private static Database Open(string file) =>
        new(new TunaiOptions { Storage = new StorageOptions { Provider = StorageProvider.Sqlite, SqlitePath = file } });

    [Fact]
    public async Task AUnitThatOnlyReadsAnotherUnitsWriteIsAnsweredOnlyOnceThatWriteIsCommitted()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = Gate(hold.Task);
        var payment = Insert("paid");
        // A till's retry in the same group as its payment: it finds the payment and writes nothing.
        var replay = _database.WriteAsync(unit => Names(unit));
        // The next unit of the group runs before the group's COMMIT: the replay must not have been answered yet.
        var answeredBeforeCommit = _database.WriteAsync(unit => Task.FromResult(replay.IsCompleted));
        hold.SetResult();

        Assert.False(await answeredBeforeCommit.WaitAsync(AnswerWithin), "the replay was answered before its group's COMMIT");
        Assert.Equal(["paid"], await replay.WaitAsync(AnswerWithin));
        Assert.Equal(["paid"], await NamesOnDiskAsync());
        await Task.WhenAll(first, payment).WaitAsync(AnswerWithin);
    }

    [Fact]
    public async Task AReplayInAGroupWhoseCommitFailsIsAnsweredWithTheFailureNotWithTheLostPayment()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = Gate(hold.Task);
        var payment = Insert("paid");
        var replay = _database.WriteAsync(unit => Names(unit));
        // A real COMMIT failure: a deferred foreign key is checked only when the group commits.
        var orphan = _database.WriteAsync(async unit =>
        {
            await unit.Connection.ExecuteAsync("INSERT INTO children (parent_id) VALUES (42)", transaction: unit.Transaction);
            unit.Commit();
            return 0;
        });
        hold.SetResult();

        foreach (var answer in new Task[] { first, payment, replay, orphan })
        {
            var failure = await Assert.ThrowsAsync<WriteGroupFailedException>(() => answer.WaitAsync(AnswerWithin));
            Assert.Contains("FOREIGN KEY", failure.Message, StringComparison.Ordinal);
            Assert.True(Database.IsTransient(failure));
        }
        Assert.Empty(await NamesOnDiskAsync());
        // The writer goes on with a fresh group.
        await Insert("after").WaitAsync(AnswerWithin);
        Assert.Equal(["after"], await NamesOnDiskAsync());
    }

    [Theory]
    // Armed once the first unit runs, the failure hits the step of the last unit of the group (first, kept,
    // not-kept, thrown, reader): savepoints of the four after the first; rollbacks of first, not-kept, thrown,
    // reader; releases of all five; the one COMMIT. So every unit of the group has started when it fails.
    [InlineData(nameof(WriterStep.Savepoint), 4)]
    [InlineData(nameof(WriterStep.Rollback), 4)]
    [InlineData(nameof(WriterStep.Release), 5)]
    [InlineData(nameof(WriterStep.Commit), 1)]
    public async Task EveryStartedUnitIsAnsweredWithTheFailureWhicheverStepOfItsGroupFails(string failing, int occurrence)
    {
        var step = Enum.Parse<WriterStep>(failing);
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = _database.WriteAsync(async unit =>
        {
            Fail(step, occurrence);
            await hold.Task;
            return Array.Empty<string>();
        });
        var units = new[] { first, Insert("kept"), NotCommitted("not-kept"), Throwing("thrown"), _database.WriteAsync(unit => Names(unit)) };
        hold.SetResult();

        foreach (var answer in units)
        {
            var failure = await Assert.ThrowsAsync<WriteGroupFailedException>(() => answer.WaitAsync(AnswerWithin));
            Assert.Contains($"injected failure at {step}", failure.Message, StringComparison.Ordinal);
        }
        Assert.Empty(await NamesOnDiskAsync());
        await Insert("after").WaitAsync(AnswerWithin);
        Assert.Equal(["after"], await NamesOnDiskAsync());
    }

    [Fact]
    public async Task AGroupThatCannotBeginLeavesItsUnitsToTheNextGroup()
    {
        Fail(WriterStep.Begin, 1);
        // No unit had started when BEGIN failed: the units are taken by the next group and answered for what they did.
        Assert.Equal(["kept"], await Insert("kept").WaitAsync(AnswerWithin));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Throwing("thrown").WaitAsync(AnswerWithin));
        Assert.Equal(["kept"], await NamesOnDiskAsync());
    }

    [Fact]
    public async Task AWriterThatCannotOpenItsConnectionRefusesUnitsAtOnceAndRecoversWhenItCan()
    {
        var folder = Path.Combine(_folder, "moved");
        var file = Path.Combine(folder, "tunai.db");
        await using (var database = Open(file))
        {
            // The database's folder replaced by a file before the writer's first open: no connection can open.
            Directory.Delete(folder, recursive: true);
            await File.WriteAllTextAsync(folder, "not a folder");
            var refused = await Assert.ThrowsAsync<WriteGroupFailedException>(() =>
                database.WriteAsync(unit => Task.FromResult(0)).WaitAsync(AnswerWithin));
            Assert.Contains("could not open its connection", refused.Message, StringComparison.Ordinal);

            File.Delete(folder);
            Directory.CreateDirectory(folder);
            await Eventually.WaitAsync(async () =>
            {
                try
                {
                    return await database.WriteAsync(async unit =>
                    {
                        await unit.Connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS t (x INTEGER)", transaction: unit.Transaction);
                        unit.Commit();
                        return true;
                    });
                }
                catch (WriteGroupFailedException)
                {
                    return false;
                }
            }, opened => opened, "the writer opening its connection once it can");
        }
        SqliteConnection.ClearAllPools();
    }

    /// <summary>What a unit of the property does; the index is its place in the group.</summary>
    internal enum Kind
    {
        Write,
        WriteWithoutCommit,
        WriteThenThrow,
        ReadOthers,
    }

    internal sealed record Fault(WriterStep Step, int Occurrence);

    private static readonly Gen<Fault?> FaultGen = Gen.Frequency(
        (2, Gen.Constant<Fault?>(null)),
        (5, from step in Gen.Elements(WriterStep.Savepoint, WriterStep.Rollback, WriterStep.Release, WriterStep.Commit)
            from occurrence in Gen.Choose(1, 4)
            select (Fault?)new Fault(step, occurrence)));

    private static readonly Gen<(Kind[] Units, Fault? Fault)> GroupGen =
        from count in Gen.Choose(1, 10)
        from units in Gen.ArrayOf(Gen.Elements(Kind.Write, Kind.Write, Kind.WriteWithoutCommit, Kind.WriteThenThrow, Kind.ReadOthers), count)
        from fault in FaultGen
        select (units, fault);

    [Fact]
    public void WhatIsAnsweredSuccessIsOnDiskAfterARestartAndWhatIsAnsweredFailureIsNot()
    {
        var round = 0;
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(40), Prop.ForAll(Arb.From(GroupGen), group =>
            Task.Run(() => CheckGroupAsync(group.Units, group.Fault, Interlocked.Increment(ref round))).GetAwaiter().GetResult()));
    }

    private async Task CheckGroupAsync(Kind[] kinds, Fault? fault, int round)
    {
        var file = Path.Combine(_folder, $"round-{round}.db");
        var fired = false;
        var answers = new Task<string[]>[kinds.Length];
        await using (var database = Open(file))
        {
            await using (var c = await database.OpenAsync())
            {
                await c.ExecuteAsync("PRAGMA journal_mode=WAL; CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);");
            }
            var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var gate = database.WriteAsync(async unit =>
            {
                if (fault is not null)
                {
                    var seen = 0;
                    database.Writer!.Fault = step =>
                    {
                        if (step == fault.Step && ++seen == fault.Occurrence)
                        {
                            fired = true;
                            throw new IOException($"injected failure at {step}");
                        }
                    };
                }
                await hold.Task;
                return Array.Empty<string>();
            });
            for (var i = 0; i < kinds.Length; i++)
            {
                var name = $"unit-{i}";
                answers[i] = kinds[i] switch
                {
                    Kind.Write => Insert(database, name),
                    Kind.WriteWithoutCommit => NotCommitted(database, name),
                    Kind.WriteThenThrow => Throwing(database, name),
                    _ => database.WriteAsync(unit => Names(unit)),
                };
            }
            hold.SetResult();
            try
            {
                await gate.WaitAsync(AnswerWithin);
            }
            catch (WriteGroupFailedException)
            {
                // the gate is one unit of the group like the others
            }
            foreach (var answer in answers)
            {
                // Every unit is answered, one way or the other; a unit never answered times out here.
                await ((Task)answer).WaitAsync(AnswerWithin).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            database.Writer!.Fault = null;
        }

        // After a restart: a new Database on the same file.
        SqliteConnection.ClearAllPools();
        string[] onDisk;
        await using (var reopened = Open(file))
        {
            await using var c = await reopened.OpenAsync();
            onDisk = (await c.QueryAsync<string>("SELECT name FROM things")).ToArray();
        }
        SqliteConnection.ClearAllPools();

        for (var i = 0; i < kinds.Length; i++)
        {
            var name = $"unit-{i}";
            var answer = answers[i];
            Assert.True(answer.IsCompleted, $"{name} ({kinds[i]}) was never answered");
            if (answer.Exception?.InnerException is WriteGroupFailedException)
            {
                Assert.True(fired, $"{name} ({kinds[i]}) was answered a group failure though no step failed");
            }
            else if (answer.IsFaulted)
            {
                Assert.True(kinds[i] == Kind.WriteThenThrow, $"{name} ({kinds[i]}) failed: {answer.Exception}");
            }
            switch (kinds[i])
            {
                case Kind.Write when answer.IsCompletedSuccessfully:
                    Assert.Contains(name, onDisk);
                    break;
                case Kind.Write:
                    Assert.DoesNotContain(name, onDisk);
                    Assert.True(fired, $"{name} failed though no step failed: {answer.Exception}");
                    break;
                case Kind.ReadOthers when answer.IsCompletedSuccessfully:
                    // What a replay was told it found is on disk.
                    Assert.All(answer.Result, seen => Assert.Contains(seen, onDisk));
                    break;
                case Kind.WriteWithoutCommit or Kind.WriteThenThrow:
                    Assert.DoesNotContain(name, onDisk);
                    break;
            }
        }
    }

    /// <summary>Fails the <paramref name="occurrence"/>th <paramref name="failing"/> step from now on, once.</summary>
    private void Fail(WriterStep failing, int occurrence)
    {
        var seen = 0;
        _database.Writer!.Fault = step =>
        {
            if (step == failing && Interlocked.Increment(ref seen) == occurrence)
            {
                throw new IOException($"injected failure at {step}");
            }
        };
    }

    private Task<string[]> Gate(Task hold) => _database.WriteAsync(async unit =>
    {
        await hold;
        return Array.Empty<string>();
    });

    private Task<string[]> Insert(string name) => Insert(_database, name);

    private Task<string[]> NotCommitted(string name) => NotCommitted(_database, name);

    private Task<string[]> Throwing(string name) => Throwing(_database, name);

    private static Task<string[]> Insert(Database database, string name) => database.WriteAsync(async unit =>
    {
        await unit.Connection.ExecuteAsync("INSERT INTO things (name) VALUES (@name)", new { name }, unit.Transaction);
        unit.Commit();
        return new[] { name };
    });

    private static Task<string[]> NotCommitted(Database database, string name) => database.WriteAsync(async unit =>
    {
        await unit.Connection.ExecuteAsync("INSERT INTO things (name) VALUES (@name)", new { name }, unit.Transaction);
        return new[] { name };
    });

    private static Task<string[]> Throwing(Database database, string name) => database.WriteAsync<string[]>(async unit =>
    {
        await unit.Connection.ExecuteAsync("INSERT INTO things (name) VALUES (@name)", new { name }, unit.Transaction);
        unit.Commit();
        throw new InvalidOperationException("the unit's own refusal");
    });

    private static async Task<string[]> Names(WriteUnit unit) =>
        (await unit.Connection.QueryAsync<string>("SELECT name FROM things ORDER BY name", transaction: unit.Transaction)).ToArray();

    private async Task<string[]> NamesOnDiskAsync()
    {
        await using var c = await _database.OpenAsync();
        return (await c.QueryAsync<string>("SELECT name FROM things ORDER BY name")).ToArray();
    }
}
