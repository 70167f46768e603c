using Dapper;
using Tunai.Gateway.Configuration;
using Tunai.Gateway.Startup;
using Tunai.Gateway.Storage;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Storage;

/// <summary>
/// The lock instances take turns on while they migrate. On PostgreSQL it is a session lock on a connection that goes
/// back to the pool afterwards, so once released it must be gone from the server, not left on a pooled session.
/// </summary>
public sealed class StartupLockTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tunai-startup-lock-").FullName;
    private TestDatabase _test = null!;
    private TunaiOptions _options = null!;
    private Database _database = null!;

    public async ValueTask InitializeAsync()
    {
        _test = await TestDatabase.CreateAsync(_folder);
        _options = new TunaiOptions { Storage = _test.Storage() };
        _database = new Database(_options);
    }

    public async ValueTask DisposeAsync()
    {
        await _database.DisposeAsync();
        await _test.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task AReleasedLockIsHeldByNoSessionAndTheNextHolderGetsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (await StartupLock.AcquireAsync(_database, _options, ct))
        {
            Assert.Equal(1, await AdvisoryLocksAsync());
        }
        Assert.Equal(0, await AdvisoryLocksAsync());

        // Taken again, and given back again, as the next starting instance would.
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
        patience.CancelAfter(TimeSpan.FromSeconds(30));
        await using (await StartupLock.AcquireAsync(_database, _options, patience.Token))
        {
            Assert.Equal(1, await AdvisoryLocksAsync());
        }
        Assert.Equal(0, await AdvisoryLocksAsync());
    }

    /// <summary>Session advisory locks held in this database (on SQLite the lock is a file: it counts 1 while its file is held).</summary>
    private async Task<long> AdvisoryLocksAsync()
    {
        if (_database.IsSqlite)
        {
            try
            {
                await using var probe = new FileStream(Path.GetFullPath(_options.Storage.SqlitePath) + ".startup-lock", FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                return 0;
            }
            catch (IOException)
            {
                return 1;
            }
        }
        await using var c = await _database.OpenAsync();
        return await c.ExecuteScalarAsync<long>(
            """
            SELECT count(*) FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND objid = 7201000
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """);
    }
}
