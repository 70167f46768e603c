using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Processes;

namespace Tunai.Gateway.Tests.MultiInstance;

/// <summary>
/// Two gateway processes behind an imaginary load balancer, on one PostgreSQL database: every guarantee of a
/// single gateway holds across them. Skipped without a PostgreSQL server (a failure under TUNAI_REQUIRE_ALL=1).
/// </summary>
[Collection(nameof(GatewayProcess))]
public sealed class TwoInstancesTests
{
    private const string AdminToken = "two-instances-nhy9AGMmZcmweZgGS1w4NHs3xQsF8mVh";

    private sealed class Cluster : IAsyncDisposable
    {
        public required TestDatabase Database { get; init; }
        public required TempFolder FolderA { get; init; }
        public required TempFolder FolderB { get; init; }
        public required GatewayProcess A { get; init; }
        public required GatewayProcess B { get; init; }
        public required HttpClient HttpA { get; init; }
        public required HttpClient HttpB { get; init; }

        public async ValueTask DisposeAsync()
        {
            A.Dispose();
            B.Dispose();
            HttpA.Dispose();
            HttpB.Dispose();
            FolderA.Dispose();
            FolderB.Dispose();
            await Database.DisposeAsync();
        }
    }

    /// <summary>
    /// Two instances on a fresh database. <paramref name="notificationTimeout"/> short by default (1 s, so a lease
    /// lasts 7 s); the takeover test keeps the default 15 s (35 s leases) so only the takeover can hand rows on in time.
    /// </summary>
    private static async Task<Cluster> StartAsync(CancellationToken ct, string notificationTimeout = "00:00:01")
    {
        var database = await TestDatabase.CreatePostgresAsync();
        string[] args =
        [
            .. database.Settings.Select(s => "--" + s),
            "--Tunai:Mode=Production", $"--Tunai:AdminToken={AdminToken}", "--Tunai:PublicBaseUrl=https://pay.example.com",
            "--Tunai:Outbound:AllowPrivateNetworks=true", "--Tunai:AllowPlainHttp=true", $"--Tunai:Notifications:Timeout={notificationTimeout}",
            "--Tunai:Notifications:PollInterval=00:00:00.100", "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
        ];
        TempFolder folderA = new(), folderB = new();
        // Both start at once: the migration runs once, under an advisory lock.
        var a = GatewayProcess.Start(folderA.Path, args);
        var b = GatewayProcess.Start(folderB.Path, args);
        await Task.WhenAll(a.WaitUntilReadyAsync(ct), b.WaitUntilReadyAsync(ct));
        var cluster = new Cluster
        {
            Database = database, FolderA = folderA, FolderB = folderB, A = a, B = b,
            HttpA = new HttpClient { BaseAddress = a.BaseAddress }, HttpB = new HttpClient { BaseAddress = b.BaseAddress },
        };
        cluster.HttpA.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
        cluster.HttpB.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
        return cluster;
    }

    private static async Task<(string ClientId, string Secret)> AcquirerAsync(HttpClient admin)
    {
        using var response = await admin.PostAsJsonAsync("/admin/v1/acquirers", new { id = "ALFA", name = "Alfa" });
        var json = GatewayHost.Json(await response.Content.ReadAsStringAsync());
        Assert.True(response.StatusCode == HttpStatusCode.Created, json.ToJsonString());
        return ((string)json["client_id"]!, (string)json["secret_key"]!);
    }

    private static async Task<IReadOnlyList<string>> CreateCodesAsync(Cluster c, MerchantEndpoint merchant, int count)
    {
        var codes = new ConcurrentDictionary<int, string>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var response = await SignedHttp.PostJsonAsync(i % 2 == 0 ? c.HttpA : c.HttpB, merchant.ClientId, merchant.SecretKey,
                    TestMerchant.CreatePath, JsonSerializer.Serialize(TestMerchant.ValidCreate(amount: 1000 + i)));
                Assert.True(response.Status == HttpStatusCode.OK, response.Body);
                codes[i] = (string)response.Json["online_to_offline_info"]!["payment_code"]!;
            }
        })));
        return Enumerable.Range(0, count).Select(i => codes[i]).ToList();
    }

    [Fact]
    public async Task FiftyConcurrentPaymentsOfOneCodeAcrossBothInstancesGiveExactlyOneSuccess()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var c = await StartAsync(ct);
        await using var merchant = await MerchantEndpoint.StartAsync();
        merchant.Handler = _ => MerchantReply.Ok();
        await RegisterAsync(c.HttpB, merchant);
        var (acquirer, secret) = await AcquirerAsync(c.HttpA);
        var code = (await CreateCodesAsync(c, merchant, 1))[0];

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => SignedHttp.PostJsonAsync(i % 2 == 0 ? c.HttpA : c.HttpB,
            acquirer, secret, "/acquirer/v1/alfa/payment", TestStore.Body(code, $"TRX-{i}", 1000).ToJsonString())));

        var seen = string.Join(", ", answers.GroupBy(a => $"{(int)a.Status} {a.Json["online_to_offline_payment"]?["status"] ?? a.Json["error"]?["code"]}")
            .Select(g => $"{g.Count()} × {g.Key}"));
        Assert.True(answers.Count(a => a.Status == HttpStatusCode.OK) == 1, seen);
        Assert.True(answers.Count(a => (string?)a.Json["online_to_offline_payment"]?["status"] == "billing_already_paid") == 49, seen);
        await Eventually.WaitAsync(() => merchant.CallsTo(MerchantEndpoint.NotificationPath).Count == 1, "the one notification");
    }

    [Fact]
    public async Task AThousandPaymentsAcrossBothInstancesAreNotifiedExactlyOnceEachEvenWhenOneInstanceIsKilled()
    {
        const int count = 1000;
        var ct = TestContext.Current.CancellationToken;
        await using var c = await StartAsync(ct);
        await using var merchant = await MerchantEndpoint.StartAsync();
        merchant.Handler = _ => MerchantReply.Ok();
        await RegisterAsync(c.HttpA, merchant);
        var (acquirer, secret) = await AcquirerAsync(c.HttpA);
        var codes = await CreateCodesAsync(c, merchant, count);

        // Eight tills; requests alternate between the instances. Instance A is killed half-way; a till whose
        // request to A fails sends the same payment (same trx_id) to B, as a load balancer's retry would.
        var acknowledged = new ConcurrentDictionary<string, bool>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var body = TestStore.Body(codes[i], $"TRX-{i:D4}", 1000 + i).ToJsonString();
                ApiResponse answer;
                try
                {
                    answer = await SignedHttp.PostJsonAsync(i % 2 == 0 && !c.A.HasExited ? c.HttpA : c.HttpB, acquirer, secret, "/acquirer/v1/alfa/payment", body);
                }
                catch (HttpRequestException)
                {
                    answer = await SignedHttp.PostJsonAsync(c.HttpB, acquirer, secret, "/acquirer/v1/alfa/payment", body);
                }
                Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
                acknowledged[$"TRX-{i:D4}"] = true;
                if (acknowledged.Count >= count / 2 && !c.A.HasExited)
                {
                    c.A.Kill();
                }
            }
        })));
        Assert.Equal(count, acknowledged.Count);
        Assert.True(c.A.HasExited, "instance A was never killed");

        string TrxOf(MerchantCall call) => (string)call.Json["online_to_offline_payment"]!["identifier"]![2]!["value"]!;
        await Eventually.WaitAsync(() => merchant.CallsTo(MerchantEndpoint.NotificationPath).Select(TrxOf).Distinct().Count() == count,
            $"{count} distinct payments notified", TimeSpan.FromSeconds(90));
        var calls = merchant.CallsTo(MerchantEndpoint.NotificationPath);
        Assert.All(calls, call => Assert.True(call.SignatureValid));
        Assert.Equal(acknowledged.Keys.Order(), calls.Select(TrxOf).Distinct().Order());
        // None lost; a duplicate (a delivery cut short by the kill) always carries the first Request-Id.
        Assert.All(calls.GroupBy(TrxOf), g => Assert.Single(g.Select(call => call.Headers["Request-Id"]).Distinct()));
        await using var db = c.Database.Open(forReading: true);
        await db.OpenAsync(ct);
        await using var query = db.CreateCommand();
        query.CommandText = "SELECT count(*) FROM payments";
        Assert.Equal(count, Convert.ToInt64(await query.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task WhenOneInstanceIsKilledTheOtherDeliversWhatItHeldWithinTenSecondsAndNoneTwiceWhileBothLive()
    {
        const int count = 20;
        var ct = TestContext.Current.CancellationToken;
        await using var c = await StartAsync(ct, notificationTimeout: "00:00:15");
        await using var merchant = await MerchantEndpoint.StartAsync();
        string TrxOf(MerchantCall call) => (string)call.Json["online_to_offline_payment"]!["identifier"]![2]!["value"]!;
        // Hangs until the kill: instance A holds every notification, its attempts waiting for an answer.
        var healthy = false;
        var delivered = new ConcurrentDictionary<string, bool>();
        merchant.Handler = call =>
        {
            if (!Volatile.Read(ref healthy))
            {
                return new MerchantReply(200, "{}", Delay: TimeSpan.FromMinutes(5));
            }
            if (call.SignatureValid)
            {
                delivered[TrxOf(call)] = true;
            }
            return MerchantReply.Ok();
        };
        await RegisterAsync(c.HttpA, merchant);
        var (acquirer, secret) = await AcquirerAsync(c.HttpA);
        var codes = await CreateCodesAsync(c, merchant, count);
        var acknowledged = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var answer = await SignedHttp.PostJsonAsync(c.HttpA, acquirer, secret, "/acquirer/v1/alfa/payment",
                TestStore.Body(codes[i], $"TAKE-{i:D2}", 1000 + i).ToJsonString());
            Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
            acknowledged.Add($"TAKE-{i:D2}");
        }
        await Eventually.WaitAsync(() => merchant.CallsTo(MerchantEndpoint.NotificationPath).Count >= 8, "A's attempts in flight");
        // Both alive for two more heartbeats of each (every 2 s, each followed by a look for the dead): nothing of
        // A's may be sent by B meanwhile. A talks to the merchant 8 at a time, so any more calls would be B's.
        await using (var db = c.Database.Open(forReading: true))
        {
            await db.OpenAsync(ct);
            async Task<long> Scalar(string sql)
            {
                await using var query = db.CreateCommand();
                query.CommandText = sql;
                return Convert.ToInt64(await query.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
            }
            var since = await Scalar("SELECT max(heartbeat_at) FROM gateway_instances");
            await Eventually.WaitAsync(() => Scalar("SELECT min(heartbeat_at) FROM gateway_instances"), at => at > since + 4000, "two more heartbeats of both");
            Assert.Equal(2L, await Scalar("SELECT count(*) FROM gateway_instances"));
        }
        var beforeKill = merchant.CallsTo(MerchantEndpoint.NotificationPath);
        Assert.Equal(8, beforeKill.Count);
        Assert.All(beforeKill.GroupBy(call => call.Headers["Request-Id"]), g => Assert.Single(g));

        c.A.Kill();
        var killedAt = System.Diagnostics.Stopwatch.StartNew();
        Volatile.Write(ref healthy, true);

        await Eventually.WaitAsync(() => acknowledged.All(delivered.ContainsKey), "B delivers every payment A held", TimeSpan.FromSeconds(10));
        Assert.True(killedAt.Elapsed < TimeSpan.FromSeconds(10), $"took {killedAt.Elapsed}");
        // Each notification keeps its Request-Id whoever sends it.
        Assert.All(merchant.CallsTo(MerchantEndpoint.NotificationPath).GroupBy(TrxOf),
            g => Assert.Single(g.Select(call => call.Headers["Request-Id"]).Distinct()));
    }

    [Fact]
    public async Task TenRoundsOfTwoInstancesStartedTogetherOnAFreshDatabaseAllComeUpWithOneSandboxMerchant()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var round = 0; round < 10; round++)
        {
            await using var database = await TestDatabase.CreatePostgresAsync();
            string[] args = [.. database.Settings.Select(s => "--" + s), "--Tunai:Mode=Sandbox", "--Tunai:PrintSandboxCredentials=false",
                "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information"];
            using TempFolder folderA = new(), folderB = new();
            using var a = GatewayProcess.Start(folderA.Path, args);
            using var b = GatewayProcess.Start(folderB.Path, args);
            await Task.WhenAll(a.WaitUntilReadyAsync(ct), b.WaitUntilReadyAsync(ct));

            await using var db = database.Open(forReading: true);
            await db.OpenAsync(ct);
            async Task<long> Count(string sql)
            {
                await using var query = db.CreateCommand();
                query.CommandText = sql;
                return Convert.ToInt64(await query.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
            }
            Assert.Equal(1, await Count("SELECT count(*) FROM merchants"));
            Assert.Equal(1, await Count("SELECT count(*) FROM acquirers WHERE code = 'ALFA'"));
            Assert.Equal(2, await Count("SELECT count(*) FROM gateway_instances"));
            // The startup lock is not left held by a pooled connection once both are up.
            Assert.Equal(0, await Count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"));
            // Both hand out the same sandbox credentials.
            Assert.Equal(a.SandboxEnv()["TUNAI_CLIENT_ID"], b.SandboxEnv()["TUNAI_CLIENT_ID"]);
            Assert.False(a.HasExited || b.HasExited, $"round {round}: an instance exited\n{a.Output()}\n{b.Output()}");
        }
    }

    private static async Task RegisterAsync(HttpClient admin, MerchantEndpoint merchant)
    {
        using var response = await admin.PostAsJsonAsync("/admin/v1/merchants", new
        {
            name = "Two instances", client_id = merchant.ClientId, secret_key = merchant.SecretKey, notification_url = merchant.NotificationUrl,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
