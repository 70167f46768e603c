using System.Net;
using Dapper;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.PaymentCodes;

/// <summary>
/// Migration 0020 gives codes lives (on SQLite by making the table anew, foreign keys off while it does): a database
/// of migration 0018 with a paid code, its fee and its payment keeps them all, every key still pointing at its row,
/// and the paid code can then be registered again, on both databases.
/// </summary>
public sealed class CodeLivesUpgradeTests
{
    [Fact]
    public async Task CodesPaymentsAndFeesOfBeforeTheUpgradeAreKeptAndTheCodeLivesAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = Path.Combine(Path.GetTempPath(), "tunai-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var database = await TestDatabase.CreateAsync(folder);
        var provider = TestDatabase.UsePostgres ? "Postgres" : "Sqlite";
        const string clientId = "MCH-OLD-0000000000001", secretKey = "SK-old-merchant-key-a8Qz3Lw0Rt5vNb2x", prefix = "71234", code = "712345550001234";

        // The database as a gateway of migration 0018 left it: a merchant's own code, paid, with its fee and payment.
        await using (var connection = database.Open(forReading: false))
        {
            await connection.OpenAsync(ct);
            await connection.ExecuteAsync("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
            var assembly = typeof(Tunai.Gateway.Storage.Migrator).Assembly;
            foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith($"migrations/{provider}/", StringComparison.Ordinal)).Order())
            {
                var version = int.Parse(name.Split('/')[2][..4], System.Globalization.CultureInfo.InvariantCulture);
                if (version > 18)
                {
                    continue;
                }
                using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
                await connection.ExecuteAsync(await reader.ReadToEndAsync(ct));
                await connection.ExecuteAsync(database.Sql("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @n, 0)"), new { v = version, n = name });
            }
            var merchantId = await connection.ExecuteScalarAsync<long>(database.Sql(
                "INSERT INTO merchants (client_id, name, secret_key, code_prefix, created_at, updated_at) VALUES (@clientId, 'Toko Lama', @secretKey, @prefix, 0, 0) RETURNING id"),
                new { clientId, secretKey, prefix });
            var acquirerId = await connection.ExecuteScalarAsync<long>(database.Sql(
                "INSERT INTO acquirers (code, name, client_id, secret_key, created_at) VALUES ('ALFA2', 'Old', 'ACQ-OLD-0000000001', 'SK-old-acquirer', 0) RETURNING id"));
            var codeId = await connection.ExecuteScalarAsync<long>(database.Sql(
                """
                INSERT INTO payment_codes (merchant_id, code, kind, invoice_number, amount, status, reusable, customer_name, request_id,
                    how_to_pay_token, created_at, expires_at, updated_at, paid_at)
                VALUES (@merchantId, @code, 'MGPC', 'OCT-2026', 150000, 'PAID', 0, 'Budi', 'req-old', 'tok-old', 0, 4102444800000, 1, 1)
                RETURNING id
                """), new { merchantId, code });
            await connection.ExecuteAsync(database.Sql(
                "INSERT INTO code_fees (payment_code_id, fixed, percent_hundredths, min, max) VALUES (@codeId, 4000, 0, 0, NULL)"), new { codeId });
            await connection.ExecuteAsync(database.Sql(
                """
                INSERT INTO payments (payment_id, payment_code_id, merchant_id, acquirer_id, trx_id, code, invoice_number, amount, status,
                    agent_id, store_id, store_date, paid_at)
                VALUES ('PAY-OLD-1', @codeId, @merchantId, @acquirerId, 'TRX-OLD-1', @code, 'OCT-2026', 150000, 'SUCCESS', 'ALFAMART', 'TZ01', '2026-10-01', 1)
                """), new { codeId, merchantId, acquirerId, code });
        }

        await using var gateway = await GatewayHost.StartOnAsync(database);

        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM schema_migrations WHERE version = 20"));
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE code = $c AND life = 1 AND status = 'PAID'", ("$c", code)));
        Assert.Equal(1, await gateway.CountAsync(
            "SELECT count(*) FROM payments y JOIN payment_codes p ON p.id = y.payment_code_id JOIN code_fees f ON f.payment_code_id = p.id WHERE y.payment_id = 'PAY-OLD-1'"));
        if (!TestDatabase.UsePostgres)
        {
            Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM pragma_foreign_key_check"));
            Assert.Equal(1, await gateway.CountAsync("SELECT foreign_keys FROM pragma_foreign_keys"));
        }
        var merchant = new TestMerchant(gateway, clientId, secretKey, prefix);
        var body = TestMerchant.ValidCreate("NOV-2026");
        ((Dictionary<string, object?>)body["online_to_offline_info"]!)["payment_code"] = code;
        var again = await merchant.CreateAsync(body);
        Assert.True(again.Status == HttpStatusCode.OK, again.Body);
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE code = $c AND life = 2 AND status = 'ACTIVE'", ("$c", code)));
    }
}
