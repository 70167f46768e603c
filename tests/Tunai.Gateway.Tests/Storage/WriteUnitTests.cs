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
        _database = new Database(new TunaiOptions { Storage = StorageOf(_test.Settings) });
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
    public async Task UnitsQueuedBehindAHeldUnitAllCommitAndEachIsVisibleWhenItsCommitReturns()
    {
        var groups = ListenToGroups();
        var first = await _database.BeginWriteAsync();
        await InsertAsync(first, 0);
        // Queued while the first unit holds the writer: on SQLite they join its group.
        var queued = Enumerable.Range(1, 50).Select(i => InsertAndCommitAsync(_database.BeginWriteAsync(), i)).ToList();
        var firstDone = first.CommitAsync();
        await Task.WhenAll(queued.Append(firstDone));
        await first.DisposeAsync();

        Assert.Equal(Enumerable.Range(0, 51).Select(i => (long)i), await IdsAsync());
        if (_database.IsSqlite)
        {
            Assert.Equal(51, groups.Sum());
            Assert.True(groups.Count < 51, $"expected shared commits, saw groups of {string.Join(", ", groups)}");
        }
    }

    [Fact]
    public async Task AUnitDisposedWithoutCommitLeavesNothingWhileTheUnitsAroundItCommit()
    {
        var first = await _database.BeginWriteAsync();
        await InsertAsync(first, 1);
        var abandoned = AbandonAsync(_database.BeginWriteAsync(), 2);
        var last = InsertAndCommitAsync(_database.BeginWriteAsync(), 3);
        var firstDone = first.CommitAsync();
        await Task.WhenAll(abandoned, last, firstDone);
        await first.DisposeAsync();

        Assert.Equal([1L, 3L], await IdsAsync());

        static async Task AbandonAsync(Task<WriteUnit> begin, long id)
        {
            await using var unit = await begin;
            await InsertAsync(unit, id);
        }
    }

    [Fact]
    public async Task AFailedStatementRollsBackOnlyItsOwnUnit()
    {
        var first = await _database.BeginWriteAsync();
        await InsertAsync(first, 1);
        var clash = ClashAsync(_database.BeginWriteAsync());
        var last = InsertAndCommitAsync(_database.BeginWriteAsync(), 3);
        var firstDone = first.CommitAsync();
        await Task.WhenAll(last, firstDone);
        await first.DisposeAsync();

        Assert.True(Database.IsUniqueViolation(await clash));
        Assert.Equal([1L, 3L], await IdsAsync());

        static async Task<Exception> ClashAsync(Task<WriteUnit> begin)
        {
            await using var unit = await begin;
            await InsertAsync(unit, 2);
            // Same name as unit 1 (committed in this group or before): the unit's own insert of 2 must go too.
            return await Assert.ThrowsAnyAsync<DbException>(() =>
                unit.Connection.ExecuteAsync("INSERT INTO things (id, name) VALUES (20, 'thing 1')", transaction: unit.Transaction));
        }
    }

    [Fact]
    public async Task AWaiterThatGivesUpLeavesTheQueueAndTheNextOneStillRuns()
    {
        var first = await _database.BeginWriteAsync();
        using var giveUp = new CancellationTokenSource();
        await giveUp.CancelAsync();
        // On SQLite it joins the queue behind the held unit before it notices; the one behind it must not wait for it.
        var impatient = _database.BeginWriteAsync(giveUp.Token);
        var patient = InsertAndCommitAsync(_database.BeginWriteAsync(), 2);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient);

        await InsertAsync(first, 1);
        await first.CommitAsync();
        await first.DisposeAsync();
        await patient;

        Assert.Equal([1L, 2L], await IdsAsync());
    }

    [Fact]
    public async Task AUnitCanCommitOnlyOnce()
    {
        await using var unit = await _database.BeginWriteAsync();
        await InsertAsync(unit, 1);
        await unit.CommitAsync();
        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => unit.CommitAsync());
    }

    private static StorageOptions StorageOf(IEnumerable<string> settings)
    {
        var values = settings.Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        return new StorageOptions
        {
            Provider = Enum.Parse<StorageProvider>(values["Tunai:Storage:Provider"]),
            SqlitePath = values.GetValueOrDefault("Tunai:Storage:SqlitePath") ?? "",
            ConnectionString = values.GetValueOrDefault("Tunai:Storage:ConnectionString"),
        };
    }

    private static Task<int> InsertAsync(WriteUnit unit, long id) =>
        unit.Connection.ExecuteAsync("INSERT INTO things (id, name) VALUES (@id, @name)", new { id, name = $"thing {id}" }, unit.Transaction);

    private static async Task InsertAndCommitAsync(Task<WriteUnit> begin, long id)
    {
        await using var unit = await begin;
        await InsertAsync(unit, id);
        await unit.CommitAsync();
    }

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
}
