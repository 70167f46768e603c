using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Processes;

/// <summary>
/// A gateway process that dies holding notifications (its attempts hanging on a slow merchant) hands them on at
/// once: the restarted process frees what its previous life leased instead of waiting for each lease (35 s with
/// the default 15 s timeout) to run out; a clean stop gives them back itself; a changed migration stops the start.
/// </summary>
[Collection(nameof(GatewayProcess))]
public sealed class RecoveryTests
{
    private static string TrxOf(MerchantCall call) => (string)call.Json["online_to_offline_payment"]!["identifier"]![2]!["value"]!;

    /// <summary>A merchant that hangs (so the gateway holds its notifications leased) until told to answer.</summary>
    private sealed class SlowThenHealthyMerchant
    {
        public volatile bool Healthy;
        public ConcurrentDictionary<string, bool> Delivered { get; } = new();

        public MerchantReply Answer(MerchantCall call)
        {
            if (!Healthy)
            {
                return new MerchantReply(200, "{}", Delay: TimeSpan.FromMinutes(5));
            }
            if (call.SignatureValid)
            {
                Delivered[TrxOf(call)] = true;
            }
            return MerchantReply.Ok();
        }
    }

    private static async Task<List<string>> PayCodesAsync(GatewayProcess gateway, MerchantEndpoint endpoint, int count, CancellationToken ct)
    {
        var env = gateway.SandboxEnv();
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        using var admin = new HttpClient { BaseAddress = gateway.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", env["TUNAI_ADMIN_TOKEN"]);
        using var created = await admin.PostAsJsonAsync("/admin/v1/merchants", new
        {
            name = "Recovery shop", client_id = endpoint.ClientId, secret_key = endpoint.SecretKey, notification_url = endpoint.NotificationUrl,
        }, ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var acknowledged = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var response = await SignedHttp.PostJsonAsync(http, endpoint.ClientId, endpoint.SecretKey, TestMerchant.CreatePath,
                JsonSerializer.Serialize(TestMerchant.ValidCreate(amount: 10000 + i)));
            Assert.Equal(HttpStatusCode.OK, response.Status);
            var code = (string)response.Json["online_to_offline_info"]!["payment_code"]!;
            var trx = $"RECOVER-{i:D3}";
            var paid = await SignedHttp.PostJsonAsync(http, env["TUNAI_ACQUIRER_CLIENT_ID"], env["TUNAI_ACQUIRER_SECRET_KEY"],
                "/acquirer/v1/alfa/payment", TestStore.Body(code, trx, 10000 + i).ToJsonString());
            Assert.Equal(HttpStatusCode.OK, paid.Status);
            acknowledged.Add(trx);
        }
        return acknowledged;
    }

    private static async Task<long> CountAsync(string folder, string sql)
    {
        await using var db = new SqliteConnection($"Data Source={Path.Combine(folder, "data", "tunai.db")};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task AfterAKillTheRestartedGatewayDeliversEveryAcknowledgedPaymentWithinTenSeconds()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        await using var endpoint = await MerchantEndpoint.StartAsync();
        var merchant = new SlowThenHealthyMerchant();
        endpoint.Handler = merchant.Answer;

        List<string> acknowledged;
        using (var first = GatewayProcess.Start(folder.Path))
        {
            await first.WaitUntilReadyAsync(ct);
            acknowledged = await PayCodesAsync(first, endpoint, 20, ct);
            // The first process is talking to the merchant (and holds every row leased) when it dies.
            await Eventually.WaitAsync(() => endpoint.CallsTo(MerchantEndpoint.NotificationPath).Count >= 8, "attempts in flight");
            first.Kill();
        }
        Assert.Equal(20, await CountAsync(folder.Path, "SELECT count(*) FROM notifications WHERE lease_owner IS NOT NULL AND status = 'PENDING'"));
        merchant.Healthy = true;

        using var second = GatewayProcess.Start(folder.Path);
        await second.WaitUntilReadyAsync(ct);
        // Without the takeover the rows stay leased to the dead process for 35 s.
        await Eventually.WaitAsync(() => acknowledged.All(merchant.Delivered.ContainsKey),
            "every acknowledged payment delivered", TimeSpan.FromSeconds(10));
        Assert.Equal(20, await CountAsync(folder.Path, "SELECT count(DISTINCT payment_id) FROM notifications"));
    }

    [Fact]
    public async Task ACleanStopGivesItsNotificationLeasesBackAndDeregisters()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        await using var endpoint = await MerchantEndpoint.StartAsync();
        var merchant = new SlowThenHealthyMerchant();
        endpoint.Handler = merchant.Answer;
        using var gateway = GatewayProcess.Start(folder.Path);
        await gateway.WaitUntilReadyAsync(ct);
        await PayCodesAsync(gateway, endpoint, 5, ct);
        await Eventually.WaitAsync(() => endpoint.CallsTo(MerchantEndpoint.NotificationPath).Count >= 5, "attempts in flight");
        Assert.Equal(1, await CountAsync(folder.Path, "SELECT count(*) FROM gateway_instances"));

        gateway.Terminate();

        Assert.Equal(0, await gateway.WaitForExitAsync(ct));
        Assert.Equal(0, await CountAsync(folder.Path, "SELECT count(*) FROM notifications WHERE lease_owner IS NOT NULL OR lease_until IS NOT NULL"));
        Assert.Equal(5, await CountAsync(folder.Path, "SELECT count(*) FROM notifications WHERE status = 'PENDING'"));
        Assert.Equal(0, await CountAsync(folder.Path, "SELECT count(*) FROM gateway_instances"));
    }

    [Fact]
    public async Task AMigrationChangedAfterItWasAppliedStopsTheStartWithAClearMessage()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        using (var first = GatewayProcess.Start(folder.Path))
        {
            await first.WaitUntilReadyAsync(ct);
            first.Kill();
        }
        Assert.Equal(0, await CountAsync(folder.Path, "SELECT count(*) FROM schema_migrations WHERE checksum IS NULL OR length(checksum) <> 64"));
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(folder.Path, "data", "tunai.db")};Pooling=False"))
        {
            await db.OpenAsync(ct);
            await using var command = db.CreateCommand();
            // As if 0002_store.sql had been edited after this database was built with it.
            command.CommandText = "UPDATE schema_migrations SET checksum = 'ffff' || substr(checksum, 5) WHERE version = 2";
            Assert.Equal(1, await command.ExecuteNonQueryAsync(ct));
        }

        using var second = GatewayProcess.Start(folder.Path);

        Assert.Equal(1, await second.WaitForExitAsync(ct));
        Assert.Contains("tunai: database error: migration 2 (0002_store) was changed after it was applied", second.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", second.StandardError, StringComparison.Ordinal);
    }
}
