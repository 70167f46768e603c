using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Tunai.Gateway.Configuration;
using Tunai.Gateway.Storage;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Storage;

/// <summary>
/// The migrations as shipped: a provider's own folder and <c>Migrations/Both</c>, whose scripts were moved there from
/// both providers' folders with their text unchanged. tests/fixtures/migration-checksums.txt holds the name and checksum
/// of every script as the layout with one folder per provider recorded them (its first lines say how it was made): a
/// database that layout migrated must be met with the same names and checksums, or its start would be refused
/// (<see cref="MigrationChangedException"/>).
/// </summary>
public sealed class MigrationLayoutTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tunai-migrations-").FullName;
    private TestDatabase _test = null!;
    private Database _database = null!;

    public async ValueTask InitializeAsync()
    {
        _test = await TestDatabase.CreateAsync(_folder);
        _database = new Database(new TunaiOptions { Storage = _test.Storage() });
    }

    public async ValueTask DisposeAsync()
    {
        await _database.DisposeAsync();
        await _test.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task AFreshDatabaseGetsEveryVersionUnderTheNamesAndChecksumsOfTheFolderPerProviderLayout()
    {
        await MigrateAsync();

        var recorded = await RecordedAsync();
        Assert.Equal(Migrator.Scripts(_database.Provider).Select(s => s.Version), recorded.Keys.Order());
        var before = PreviousLayout();
        Assert.Contains(4L, before.Keys); // a script of Migrations/Both
        foreach (var (version, (name, checksum)) in before)
        {
            Assert.True(recorded.ContainsKey(version), $"migration {version} ({name}) was not applied");
            Assert.Equal((name, checksum), recorded[version]);
        }
    }

    [Fact]
    public async Task ADatabaseTheFolderPerProviderLayoutMigratedStartsAndIsLeftAsItWas()
    {
        await MigrateAsync();
        // What that layout left: each version recorded with the name and checksum it recorded.
        await using (var c = await _database.OpenAsync())
        {
            foreach (var (version, (name, checksum)) in PreviousLayout())
            {
                Assert.Equal(1, await c.ExecuteAsync(
                    "UPDATE schema_migrations SET name = @name, checksum = @checksum, applied_at = 1 WHERE version = @version",
                    new { version, name, checksum }));
            }
        }
        var left = await RecordedAsync();

        await MigrateAsync();

        Assert.Equal(left, await RecordedAsync());
    }

    private Task MigrateAsync() => new Migrator(_database, TimeProvider.System, NullLogger<Migrator>.Instance).MigrateAsync();

    private async Task<Dictionary<long, (string Name, string Checksum)>> RecordedAsync()
    {
        await using var c = await _database.OpenAsync();
        return (await c.QueryAsync<(long Version, string Name, string Checksum)>("SELECT version, name, checksum FROM schema_migrations ORDER BY version"))
            .ToDictionary(r => r.Version, r => (r.Name, r.Checksum));
    }

    /// <summary>This provider's lines of the fixture: version, name and checksum.</summary>
    private Dictionary<long, (string Name, string Checksum)> PreviousLayout() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "fixtures", "migration-checksums.txt"))
            .Where(line => !line.StartsWith('#'))
            .Select(line => line.Split(' '))
            .Where(f => f[0] == _database.Provider.ToString())
            .ToDictionary(f => long.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture), f => (f[2], f[3]));
}
