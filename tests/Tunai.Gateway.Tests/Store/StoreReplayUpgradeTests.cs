using System.Net;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Store;

/// <summary>
/// Migration 0005 keys the kept store answers by kind: an answer kept by a gateway before it (a payment's) must
/// still be replayed by one after it, on both databases.
/// </summary>
public sealed class StoreReplayUpgradeTests
{
    [Fact]
    public async Task APaymentAnswerKeptBeforeTheUpgradeIsStillReplayedAfterIt()
    {
        var folder = Path.Combine(Path.GetTempPath(), "tunai-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var database = await TestDatabase.CreateAsync(folder);
        const string clientId = "ACQ-OLD-000000000001", secretKey = "SK-old-acquirer-key", trx = "TRX-BEFORE-0005";
        var body = TestStore.Body("1234567890123456", trx, 150000).ToJsonString();
        var kept = """{"online_to_offline_payment":{"status":"success","payment_id":"PAY-KEPT-BEFORE-0005"}}""";

        // The database as a gateway of migration 0004 left it, with one kept payment answer.
        await using (var connection = await database.MigratedThroughAsync(4, TestContext.Current.CancellationToken))
        {
            var acquirerId = await connection.ExecuteScalarAsync<long>(database.Sql(
                "INSERT INTO acquirers (code, name, client_id, secret_key, created_at) VALUES ('ALFA2', 'Old', @clientId, @secretKey, 0) RETURNING id"),
                new { clientId, secretKey });
            await connection.ExecuteAsync(database.Sql(
                """
                INSERT INTO store_transactions (acquirer_id, trx_id, request_hash, response_status, response_body, created_at)
                VALUES (@acquirerId, @trx, @hash, 200, @kept, 0)
                """), new { acquirerId, trx, hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(body))), kept = Encoding.UTF8.GetBytes(kept) });
        }

        await using var gateway = await GatewayHost.StartOnAsync(database);
        var store = new TestStore(gateway, "ALFA2", clientId, secretKey);
        var retried = await store.SendAsync(TestStore.PaymentPath, body);

        Assert.Equal(HttpStatusCode.OK, retried.Status);
        Assert.Equal(kept, retried.Body);
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM store_transactions WHERE kind = 'PAYMENT'"));
    }
}
