using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Processes;

/// <summary>
/// The gateway process on a PostgreSQL server that goes away and comes back (a private server, see
/// <see cref="PrivatePostgres"/>): requests answer 503 with Retry-After meanwhile, /readyz turns unready while
/// /healthz stays up, and the same process serves again once the server is back, without a restart, and notifies
/// every payment it acknowledged before.
/// </summary>
[Collection(nameof(GatewayProcess))]
public sealed class PostgresOutageTests
{
    private static string[] Settings(PrivatePostgres server) =>
    [
        "--Tunai:Storage:Provider=Postgres", $"--Tunai:Storage:ConnectionString={server.ConnectionString("tunai")}",
        $"--Tunai:Secrets:MasterKey={GatewayProcess.MasterKey}", "--Tunai:PrintSandboxCredentials=false",
        // Retries a second apart, so that a notification refused before the outage is tried again soon after it.
        $"--Tunai:Notifications:RetrySchedule={string.Join(',', Enumerable.Repeat("00:00:01", 100))}",
        "--Tunai:Notifications:Timeout=00:00:02",
    ];

    [Fact]
    public async Task WhilePostgresIsStoppedRequestsAnswer503AndTheSameProcessServesAndNotifiesOnceItIsBack()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = await Scene.StartAsync(ct);
        var (server, gateway, shop) = (scene.Server, scene.Gateway, scene.Shop);
        // Acknowledged to the store while the merchant refuses its notifications: they wait in the outbox over the outage.
        var acknowledged = await shop.PayNewCodesAsync(5);
        var unpaid = await shop.NewCodeAsync();

        // Under load: creates keep coming through the outage and its end.
        using var load = new CancellationTokenSource();
        var answers = new ConcurrentQueue<ApiResponse>();
        var loaders = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!load.IsCancellationRequested)
            {
                answers.Enqueue(await shop.CreateAsync());
            }
        }, CancellationToken.None)).ToList();
        await Eventually.WaitAsync(() => answers.Count >= 10, "load before the outage");

        await server.StopServerAsync("fast", ct);
        shop.Healthy = true;

        var requestId = Guid.NewGuid().ToString();
        OutageShop.AssertUnavailable(await shop.CreateAsync("INV-OUTAGE-1", requestId), "a create while the database is stopped");
        var payment = await shop.PayAsync(unpaid, "TRX-OUTAGE-1");
        OutageShop.AssertUnavailable(payment, "a store payment while the database is stopped");
        await Eventually.WaitAsync(() => shop.StatusOfAsync("/readyz"), s => s == HttpStatusCode.ServiceUnavailable,
            "/readyz unready", TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, await shop.StatusOfAsync("/healthz"));
        var during = answers.Count;
        await Eventually.WaitAsync(() => answers.Count >= during + 10, "load answered during the outage");

        await server.StartServerAsync(ct);
        await Eventually.WaitAsync(async () => (await shop.CreateAsync()).Status, s => s == HttpStatusCode.OK,
            "a create answered 200 after the server is back", TimeSpan.FromSeconds(10));
        await load.CancelAsync();
        await Task.WhenAll(loaders);

        Assert.False(gateway.HasExited, "the gateway was restarted");
        Assert.All(answers, a =>
        {
            if (a.Status != HttpStatusCode.OK)
            {
                OutageShop.AssertUnavailable(a, "a create under load");
            }
        });
        Assert.Contains(answers, a => a.Status == HttpStatusCode.ServiceUnavailable);
        // Nothing of the refused requests was kept: the same Request-Id is new work, not a replay, and the code is payable once.
        var again = await shop.CreateAsync("INV-OUTAGE-1", requestId);
        Assert.True(again.Status == HttpStatusCode.OK, again.Body);
        Assert.False(again.Headers.ContainsKey("Tunai-Replayed"));
        var paid = await shop.PayAsync(unpaid, "TRX-OUTAGE-1");
        Assert.True(paid.Status == HttpStatusCode.OK, paid.Body);
        acknowledged.Add("TRX-OUTAGE-1");
        await Eventually.WaitAsync(() => shop.StatusOfAsync("/readyz"), s => s == HttpStatusCode.OK, "/readyz ready again");
        await Eventually.WaitAsync(() => acknowledged.All(shop.Notified.ContainsKey), "every acknowledged payment notified", TimeSpan.FromSeconds(60));

        // The worker and the heartbeat said once that they failed, and once that they work again: no line per try.
        var output = gateway.Output();
        foreach (var loop in new[] { "Reading the notification outbox", "Instance heartbeat", "Reading the sandbox test clock" })
        {
            Assert.True(Count(output, loop + " failed;") <= 1, $"{loop} logged its failure more than once\n{output}");
        }
        Assert.DoesNotContain("Health check database threw", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterAServerCrashAndRestartBrokenPooledConnectionsAreNotHandedToTheNextRequests()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scene = await Scene.StartAsync(ct);
        var (server, gateway, shop) = (scene.Server, scene.Gateway, scene.Shop);
        shop.Healthy = true;
        // Sixteen requests at once leave about as many connections in the pool.
        var warm = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => shop.CreateAsync()));
        Assert.All(warm, a => Assert.True(a.Status == HttpStatusCode.OK, a.Body));

        // As the old primary of a failover: killed without a shutdown, then a server answers at the same address.
        await server.StopServerAsync("immediate", ct);
        await server.StartServerAsync(ct);

        var after = new List<ApiResponse>();
        for (var i = 0; i < 20; i++)
        {
            after.Add(await shop.CreateAsync());
        }
        // The first request may meet a broken connection (it is answered 503, never 500); once one has, the pool is
        // emptied, and no later request is handed another.
        Assert.All(after.Skip(1), a => Assert.True(a.Status == HttpStatusCode.OK, $"{(int)a.Status} {a.Body}\n{gateway.Output()}"));
        if (after[0].Status != HttpStatusCode.OK)
        {
            OutageShop.AssertUnavailable(after[0], "the first request after the restart");
        }
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => shop.CreateAsync()));
        Assert.All(concurrent, a => Assert.True(a.Status == HttpStatusCode.OK, a.Body));
        Assert.False(gateway.HasExited);
    }

    /// <summary>A private server with an empty database, a gateway process on it, and a merchant on the gateway.</summary>
    private sealed class Scene(PrivatePostgres server, MerchantEndpoint endpoint, TempFolder folder) : IAsyncDisposable
    {
        public PrivatePostgres Server => server;

        public GatewayProcess Gateway { get; private set; } = null!;

        public OutageShop Shop { get; private set; } = null!;

        public static async Task<Scene> StartAsync(CancellationToken ct)
        {
            var server = await PrivatePostgres.StartAsync(ct);
            var scene = new Scene(server, await MerchantEndpoint.StartAsync(), new TempFolder());
            try
            {
                await server.CreateDatabaseAsync("tunai", ct);
                scene.Gateway = GatewayProcess.Start(folder: scene.Folder, Settings(server));
                await scene.Gateway.WaitUntilReadyAsync(ct);
                scene.Shop = await OutageShop.OpenAsync(scene.Gateway, endpoint: scene.Endpoint, ct);
                return scene;
            }
            catch
            {
                // the private server must not outlive a test that could not start
                await scene.DisposeAsync();
                throw;
            }
        }

        private string Folder => folder.Path;

        private MerchantEndpoint Endpoint => endpoint;

        public async ValueTask DisposeAsync()
        {
            Shop?.Dispose();
            Gateway?.Dispose();
            await endpoint.DisposeAsync();
            await server.DisposeAsync();
            folder.Dispose();
        }
    }

    private static int Count(string text, string phrase) => Regex.Count(text, Regex.Escape(phrase));
}
