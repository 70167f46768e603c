using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Processes;

/// <summary>
/// The outbox under a crash: the gateway process is killed with SIGKILL while stores are paying; after a restart,
/// every payment the store was told succeeded reaches the merchant, and nothing reaches it that was not paid.
/// </summary>
[Collection(nameof(GatewayProcess))]
public sealed class NotificationCrashTests
{
    [Fact]
    public async Task EveryAcknowledgedPaymentIsNotifiedAfterAKillAndNoneIsInvented()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        await using var endpoint = await MerchantEndpoint.StartAsync();
        endpoint.Handler = _ => MerchantReply.Ok();
        // A short timeout makes the dead process's leases run out quickly (lease = 2 x timeout + 5 s).
        string[] settings = ["--Tunai:Notifications:Timeout=00:00:01"];

        var acknowledged = new ConcurrentBag<string>();
        Dictionary<string, string> env;
        using (var first = GatewayProcess.Start(folder.Path, settings))
        {
            await first.WaitUntilReadyAsync(ct);
            env = first.SandboxEnv();
            using var http = new HttpClient { BaseAddress = first.BaseAddress };
            using var admin = new HttpClient { BaseAddress = first.BaseAddress };
            admin.DefaultRequestHeaders.Authorization = new("Bearer", env["TUNAI_ADMIN_TOKEN"]);
            using var created = await admin.PostAsJsonAsync("/admin/v1/merchants", new
            {
                name = "Crash shop", client_id = endpoint.ClientId, secret_key = endpoint.SecretKey, notification_url = endpoint.NotificationUrl,
            }, ct);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);

            var codes = new List<string>();
            for (var i = 0; i < 60; i++)
            {
                var response = await SignedHttp.PostJsonAsync(http, endpoint.ClientId, endpoint.SecretKey, TestMerchant.CreatePath,
                    JsonSerializer.Serialize(TestMerchant.ValidCreate(amount: 10000 + i)));
                Assert.Equal(HttpStatusCode.OK, response.Status);
                codes.Add((string)response.Json["online_to_offline_info"]!["payment_code"]!);
            }

            // Four tills paying at once; the process is killed once half the payments are acknowledged.
            var next = -1;
            async Task Till()
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < codes.Count)
                {
                    var trx = $"CRASH-{i:D3}";
                    try
                    {
                        var paid = await SignedHttp.PostJsonAsync(http, env["TUNAI_ACQUIRER_CLIENT_ID"], env["TUNAI_ACQUIRER_SECRET_KEY"],
                            "/acquirer/v1/alfa/payment", TestStore.Body(codes[i], trx, 10000 + i).ToJsonString());
                        if (paid.Status == HttpStatusCode.OK)
                        {
                            acknowledged.Add(trx);
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return; // the gateway is gone: this payment was never acknowledged
                    }
                    if (acknowledged.Count >= 30)
                    {
                        first.Kill();
                    }
                }
            }
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(Till, ct)));
            first.Kill();
        }
        Assert.True(acknowledged.Count >= 30, $"only {acknowledged.Count} payments were acknowledged before the kill");

        using var second = GatewayProcess.Start(folder.Path, settings);
        await second.WaitUntilReadyAsync(ct);
        string TrxOf(MerchantCall call) => (string)call.Json["online_to_offline_payment"]!["identifier"]![2]!["value"]!;
        await Eventually.WaitAsync(
            () => acknowledged.All(trx => endpoint.CallsTo(MerchantEndpoint.NotificationPath).Any(c => TrxOf(c) == trx)),
            "a notification for every acknowledged payment", TimeSpan.FromSeconds(60));

        // Nothing invented: every notification received is of a payment the database holds, signed by the merchant's key.
        await using var db = new SqliteConnection($"Data Source={Path.Combine(folder.Path, "data", "tunai.db")};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync(ct);
        await using var query = db.CreateCommand();
        query.CommandText = "SELECT trx_id FROM payments WHERE status = 'SUCCESS'";
        var committed = new HashSet<string>();
        await using (var reader = await query.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                committed.Add(reader.GetString(0));
            }
        }
        var received = endpoint.CallsTo(MerchantEndpoint.NotificationPath);
        Assert.All(received, c =>
        {
            Assert.True(c.SignatureValid);
            Assert.Contains(TrxOf(c), committed);
        });
        Assert.Superset(acknowledged.ToHashSet(), committed);
        // At least once: duplicates are possible around the kill, and they carry the same Request-Id.
        foreach (var group in received.GroupBy(TrxOf))
        {
            Assert.Single(group.Select(c => c.Headers["Request-Id"]).Distinct());
        }

        // The ledger commits with the payment: no payment lacks its journal transaction, none is without its
        // payment, and each balances.
        foreach (var (sql, what) in new[]
        {
            ("SELECT count(*) FROM payments p WHERE NOT EXISTS (SELECT 1 FROM journal_transactions j WHERE j.payment_id = p.id AND j.kind = 'PAYMENT')", "payments without a journal transaction"),
            ("SELECT count(*) FROM journal_transactions j WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.id = j.payment_id)", "journal transactions without a payment"),
            ("SELECT count(*) FROM (SELECT journal_id FROM postings GROUP BY journal_id HAVING sum(amount) <> 0) AS unbalanced", "unbalanced journal transactions"),
        })
        {
            await using var check = db.CreateCommand();
            check.CommandText = sql;
            Assert.True(0L == (long)(await check.ExecuteScalarAsync(ct))!, what);
        }
        await using var journals = db.CreateCommand();
        journals.CommandText = "SELECT count(*) FROM journal_transactions";
        Assert.Equal((long)committed.Count, (long)(await journals.ExecuteScalarAsync(ct))!);
    }
}
