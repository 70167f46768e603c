using System.Net;
using System.Text.Json;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.MultiInstance;

/// <summary>
/// On PostgreSQL a statement that waits for a row lock sees the row as the other transaction left it. These tests
/// hold a row from a second connection (as another instance would), let a request wait for it, then change it.
/// Skipped without a PostgreSQL server (a failure under TUNAI_REQUIRE_ALL=1).
/// </summary>
public sealed class RowLockTests
{
    [Fact]
    public async Task ARequestIdSweptWhileItsClaimWaitsIsClaimedAfresh()
    {
        var database = await TestDatabase.CreatePostgresAsync();
        await using var gateway = await GatewayHost.StartOnAsync(database);
        var merchant = await gateway.CreateMerchantAsync();
        var requestId = Guid.NewGuid().ToString();
        var body = JsonSerializer.Serialize(TestMerchant.ValidCreate());
        Assert.Equal(HttpStatusCode.OK, (await merchant.CreateRawAsync(body, requestId)).Status);

        // A sweeper elsewhere holds the key's row, and deletes it once the retry's claim waits for that row.
        await using var sweeper = database.Open(forReading: false);
        await sweeper.OpenAsync(TestContext.Current.CancellationToken);
        await using var tx = await sweeper.BeginTransactionAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1L, await ScalarAsync(sweeper, tx,
            $"SELECT count(*) FROM (SELECT 1 FROM idempotency_keys WHERE request_id = '{requestId}' FOR UPDATE) AS held"));

        gateway.Time.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        var retry = merchant.CreateRawAsync(body, requestId);
        // Watched from a third connection: within a transaction PostgreSQL keeps showing the first look at pg_stat_activity.
        await using var watcher = database.Open(forReading: true);
        await watcher.OpenAsync(TestContext.Current.CancellationToken);
        await Eventually.WaitAsync(() => ScalarAsync(watcher, null,
                """
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%UPDATE idempotency_keys%'
                """),
            waiting => waiting == 1, "the retry's claim waiting for the key's row");
        await ScalarAsync(sweeper, tx, $"DELETE FROM idempotency_keys WHERE request_id = '{requestId}'");
        await tx.CommitAsync(TestContext.Current.CancellationToken);

        var answer = await retry;
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(2, await gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE request_id = $r", ("$r", requestId)));
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM idempotency_keys WHERE request_id = $r", ("$r", requestId)));
    }

    private static async Task<long> ScalarAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? tx, string sql)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
