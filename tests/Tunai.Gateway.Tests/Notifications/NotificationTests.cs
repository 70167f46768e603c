using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Notifications;

/// <summary>Notifications delivered to a real merchant endpoint on 127.0.0.1; the gateway's clock is moved for retries.</summary>
public sealed class NotificationTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;
    private MerchantEndpoint _endpoint = null!;
    private TestMerchant _merchant = null!;
    private TestStore _store = null!;

    public async ValueTask InitializeAsync()
    {
        _gateway = await GatewayHost.StartAsync();
        _endpoint = await MerchantEndpoint.StartAsync();
        _endpoint.Handler = _ => MerchantReply.Ok();
        _merchant = await _endpoint.RegisterAsync(_gateway);
        _store = await TestStore.CreateAsync(_gateway);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _endpoint.DisposeAsync();
    }

    private async Task<(string Code, string RequestId)> PaidCodeAsync(string? trx = null, object? additionalInfo = null)
    {
        var body = TestMerchant.ValidCreate(amount: 150000);
        if (additionalInfo is not null)
        {
            body["additional_info"] = additionalInfo;
        }
        var requestId = Guid.NewGuid().ToString();
        var created = await _merchant.CreateAsync(body, requestId);
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var code = (string)created.Json["online_to_offline_info"]!["payment_code"]!;
        Assert.Equal(HttpStatusCode.OK, (await _store.PayAsync(code, 150000, trx)).Status);
        return (code, requestId);
    }

    private Task<IReadOnlyList<MerchantCall>> NotificationsAsync(int count) =>
        Eventually.WaitAsync(() => Task.FromResult(_endpoint.CallsTo(MerchantEndpoint.NotificationPath)), c => c.Count >= count, $"{count} notification(s)");

    private async Task<JsonNode> AdminNotificationAsync(string? clientId = null)
    {
        using var list = await _gateway.Admin.GetAsync($"/admin/v1/notifications?client_id={clientId ?? _merchant.ClientId}&limit=1");
        var id = (string)GatewayHost.Json(await list.Content.ReadAsStringAsync())["data"]![0]!["notification_id"]!;
        using var one = await _gateway.Admin.GetAsync($"/admin/v1/notifications/{id}");
        return GatewayHost.Json(await one.Content.ReadAsStringAsync());
    }

    private Task<JsonNode> WaitForAttemptsAsync(int attempts) =>
        Eventually.WaitAsync(() => AdminNotificationAsync(), n => (int)n["attempts"]! >= attempts, $"{attempts} recorded attempt(s)");

    [Fact]
    public async Task APaymentIsNotifiedSignedWithTheBodyOfSectionFour()
    {
        var trx = TestStore.NewTrxId();
        var (code, requestId) = await PaidCodeAsync(trx, new { order_ref = "SO-1" });

        var call = (await NotificationsAsync(1))[0];

        Assert.True(call.SignatureValid, "the notification's signature does not verify with the merchant's key");
        Assert.Equal(_merchant.ClientId, call.Headers["Client-Id"]);
        Assert.Equal("application/json", call.Headers["Content-Type"]);
        Assert.True(Guid.TryParse(call.Headers["Request-Id"], out _));
        var json = call.Json;
        Assert.Equal("ONLINE_TO_OFFLINE", (string)json["service"]!["id"]!);
        // The channel's id, not the code of the acquirer connection (ALFA2) the store signed with.
        Assert.Equal("ALFA", (string)json["acquirer"]!["id"]!);
        Assert.Equal("ONLINE_TO_OFFLINE_ALFA", (string)json["channel"]!["id"]!);
        Assert.Equal(150000, (long)json["order"]!["amount"]!);
        Assert.Equal(code, (string)json["online_to_offline_info"]!["payment_code"]!);
        var identifiers = json["online_to_offline_payment"]!["identifier"]!.AsArray()
            .ToDictionary(i => (string)i!["name"]!, i => (string)i!["value"]!);
        Assert.Equal(new Dictionary<string, string> { ["AGENT_ID"] = "ALFAMART", ["AGENT_STORE_ID"] = "TZ01", ["AGENT_TRX_ID"] = trx }, identifiers);
        Assert.Equal("SUCCESS", (string)json["transaction"]!["status"]!);
        Assert.Equal(Tunai.Signing.Signature.FormatTimestamp(_gateway.Time.GetUtcNow()), (string)json["transaction"]!["date"]!);
        Assert.Equal(requestId, (string)json["transaction"]!["original_request_id"]!);
        Assert.Equal("SO-1", (string)json["additional_info"]!["order_ref"]!);

        var admin = await WaitForAttemptsAsync(1);
        Assert.Equal("DELIVERED", (string)admin["status"]!);
        Assert.Equal(200, (int)admin["attempt_log"]![0]!["status_code"]!);
        Assert.Equal(_endpoint.NotificationUrl, (string)admin["attempt_log"]![0]!["url"]!);
        await DeliveryLog.AssertShowsTheBodySentAsync(_gateway, code, admin, call.Body);
    }

    [Fact]
    public async Task AnEndpointFailingThreeTimesGetsItOnTheFourthAttemptWithTheSameRequestId()
    {
        var failures = 0;
        _endpoint.Handler = _ => Interlocked.Increment(ref failures) <= 3 ? new MerchantReply(500, "{\"error\":\"down\"}") : MerchantReply.Ok();
        await PaidCodeAsync();

        await WaitForAttemptsAsync(1);
        // Default schedule after the immediate attempt: 5 s, 5 min, 30 min, each ±20 %.
        foreach (var (delay, attempts) in new[] { (TimeSpan.FromSeconds(6), 2), (TimeSpan.FromMinutes(6), 3), (TimeSpan.FromMinutes(36), 4) })
        {
            _gateway.Time.Advance(delay);
            await WaitForAttemptsAsync(attempts);
        }

        var calls = await NotificationsAsync(4);
        Assert.Equal(4, calls.Count);
        Assert.Single(calls.Select(c => c.Headers["Request-Id"]).Distinct());
        Assert.Equal(4, calls.Select(c => c.Headers["Request-Timestamp"]).Distinct().Count());
        Assert.All(calls, c => Assert.True(c.SignatureValid));
        Assert.Single(calls.Select(c => Convert.ToBase64String(c.Body)).Distinct());
        var admin = await AdminNotificationAsync();
        Assert.Equal("DELIVERED", (string)admin["status"]!);
        Assert.Equal([500, 500, 500, 200], admin["attempt_log"]!.AsArray().Select(a => (int)a!["status_code"]!));
        Assert.Equal("{\"error\":\"down\"}", (string)admin["attempt_log"]![0]!["response_excerpt"]!);
    }

    [Fact]
    public async Task RetryAfterOn429IsHonoured()
    {
        var calls = 0;
        _endpoint.Handler = _ => Interlocked.Increment(ref calls) == 1
            ? new MerchantReply(429, "{}", Headers: new Dictionary<string, string> { ["Retry-After"] = "120" })
            : MerchantReply.Ok();
        await PaidCodeAsync();

        var admin = await WaitForAttemptsAsync(1);
        Assert.Equal("PENDING", (string)admin["status"]!);
        Assert.Equal(Tunai.Signing.Signature.FormatTimestamp(_gateway.Time.GetUtcNow().AddSeconds(120)), (string)admin["next_attempt_at"]!);

        _gateway.Time.Advance(TimeSpan.FromSeconds(120));
        admin = await WaitForAttemptsAsync(2);
        Assert.Equal("DELIVERED", (string)admin["status"]!);
    }

    [Fact]
    public async Task ARedirectIsNotFollowed()
    {
        _endpoint.Handler = call => call.Path == MerchantEndpoint.NotificationPath
            ? new MerchantReply(302, "", Headers: new Dictionary<string, string> { ["Location"] = new Uri(_endpoint.BaseAddress, "/elsewhere").ToString() })
            : MerchantReply.Ok();
        await PaidCodeAsync();

        var admin = await WaitForAttemptsAsync(1);
        Assert.Equal("PENDING", (string)admin["status"]!);
        Assert.Equal(302, (int)admin["last_status"]!);
        Assert.Contains("redirect", (string)admin["last_error"]!, StringComparison.Ordinal);
        Assert.Empty(_endpoint.CallsTo("/elsewhere"));
    }

    [Fact]
    public async Task AReversalIsNotifiedAsFailedForTheSamePayment()
    {
        var trx = TestStore.NewTrxId();
        var (code, _) = await PaidCodeAsync(trx);
        Assert.Equal(HttpStatusCode.OK, (await _store.ReverseAsync(code, trx)).Status);

        var calls = await NotificationsAsync(2);
        var byStatus = calls.ToDictionary(c => (string)c.Json["transaction"]!["status"]!);
        Assert.Equal(["FAILED", "SUCCESS"], byStatus.Keys.Order());
        Assert.NotEqual(byStatus["SUCCESS"].Headers["Request-Id"], byStatus["FAILED"].Headers["Request-Id"]);
        Assert.Equal(trx, (string)byStatus["FAILED"].Json["online_to_offline_payment"]!["identifier"]![2]!["value"]!);
        Assert.Equal(code, (string)byStatus["FAILED"].Json["online_to_offline_info"]!["payment_code"]!);
    }

    [Fact]
    public async Task TheOverrideUrlOfTheCodeIsUsed()
    {
        // Under the origin of the configured URL (issue 31), with a query string of the code's own.
        var overrideUrl = $"http://127.0.0.1:{_endpoint.BaseAddress.Port}{MerchantEndpoint.NotificationPath}?store=2";
        await PaidCodeAsync(additionalInfo: new { override_notification_url = overrideUrl });
        await NotificationsAsync(1);
        var admin = await WaitForAttemptsAsync(1);
        Assert.Equal(overrideUrl, (string)admin["attempt_log"]![0]!["url"]!);
    }

    [Fact]
    public async Task AnOverrideOutsideTheMerchantsOriginsIsDeliveredToPublicAddressesOnly()
    {
        // The code's override was under the merchant's origin when the code was made; the merchant's origins changed
        // since. The sandbox lets notifications reach private networks, but not to an origin outside the merchant's:
        // that one is reached on public addresses only, so this loopback endpoint is never called.
        var overrideUrl = $"http://127.0.0.1:{_endpoint.BaseAddress.Port}{MerchantEndpoint.NotificationPath}?store=3";
        var body = TestMerchant.ValidCreate(amount: 150000);
        body["additional_info"] = new { override_notification_url = overrideUrl };
        var created = await _merchant.CreateAsync(body);
        Assert.True(created.Status == HttpStatusCode.OK, created.Body);
        using (var patch = await _gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{_merchant.ClientId}",
                   new { notification_origins = new[] { "https://shop.example.com" } }, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await _store.PayAsync((string)created.Json["online_to_offline_info"]!["payment_code"]!, 150000)).Status);

        var admin = await WaitForAttemptsAsync(1);
        Assert.Equal(overrideUrl, (string)admin["attempt_log"]![0]!["url"]!);
        Assert.Contains("non-public address", (string)admin["last_error"]!, StringComparison.Ordinal);
        Assert.Empty(_endpoint.CallsTo(MerchantEndpoint.NotificationPath));
    }

    [Fact]
    public async Task WithoutPollingAPaymentIsDeliveredOnHandOverAndAReplayAtOnce()
    {
        // The outbox is read once a minute here: what arrives within the test came by hand-over or by a wake-up.
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:Notifications:PollInterval=00:01:00");
        await using var endpoint = await MerchantEndpoint.StartAsync();
        var merchant = await PayToARefusingMerchantAsync(gateway, endpoint);
        var first = await NotificationAfterAsync(gateway, merchant, attempts: 1);

        endpoint.Handler = _ => MerchantReply.Ok();
        using var retry = await gateway.Admin.PostAsync($"/admin/v1/notifications/{(string)first["notification_id"]!}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        await Eventually.WaitAsync(() => endpoint.CallsTo(MerchantEndpoint.NotificationPath).Count == 2, "the replay");
    }

    [Fact]
    public async Task AfterTheLastAttemptTheNotificationIsFailedAndCanBeReplayedWithItsRequestId()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:Notifications:RetrySchedule=00:00:10,00:00:20");
        await using var endpoint = await MerchantEndpoint.StartAsync();
        var merchant = await PayToARefusingMerchantAsync(gateway, endpoint);

        await NotificationAfterAsync(gateway, merchant, attempts: 1);
        gateway.Time.Advance(TimeSpan.FromSeconds(12));
        await NotificationAfterAsync(gateway, merchant, attempts: 2);
        gateway.Time.Advance(TimeSpan.FromSeconds(24));
        var failed = await NotificationAfterAsync(gateway, merchant, attempts: 3);
        Assert.Equal("FAILED", (string)failed["status"]!);
        Assert.Null(failed["next_attempt_at"]);

        using var listFailed = await gateway.Admin.GetAsync($"/admin/v1/notifications?client_id={merchant.ClientId}&status=FAILED");
        Assert.Single(GatewayHost.Json(await listFailed.Content.ReadAsStringAsync())["data"]!.AsArray());

        endpoint.Handler = _ => MerchantReply.Ok();
        var id = (string)failed["notification_id"]!;
        using var retry = await gateway.Admin.PostAsync($"/admin/v1/notifications/{id}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        var delivered = await NotificationAfterAsync(gateway, merchant, attempts: 4);
        Assert.Equal("DELIVERED", (string)delivered["status"]!);
        var calls = endpoint.CallsTo(MerchantEndpoint.NotificationPath);
        Assert.Equal(4, calls.Count);
        Assert.Single(calls.Select(c => c.Headers["Request-Id"]).Distinct());
    }

    /// <summary>Registers a merchant at <paramref name="endpoint"/> that answers 503 from now on, and pays one of its codes.</summary>
    private static async Task<TestMerchant> PayToARefusingMerchantAsync(GatewayHost gateway, MerchantEndpoint endpoint)
    {
        endpoint.Handler = _ => new MerchantReply(503, "{}");
        var merchant = await endpoint.RegisterAsync(gateway);
        var store = await TestStore.CreateAsync(gateway);
        var (code, _) = await merchant.CreateCodeAsync();
        await store.PayAsync(code, 150000);
        return merchant;
    }

    /// <summary>The merchant's newest notification as the admin API lists it, once it has had this many attempts.</summary>
    private static Task<JsonNode> NotificationAfterAsync(GatewayHost gateway, TestMerchant merchant, int attempts) =>
        Eventually.WaitAsync(async () =>
        {
            using var list = await gateway.Admin.GetAsync($"/admin/v1/notifications?client_id={merchant.ClientId}");
            return GatewayHost.Json(await list.Content.ReadAsStringAsync())["data"]![0]!;
        }, n => (int)n["attempts"]! >= attempts, $"{attempts} attempts");

    [Fact]
    public async Task ManyFailedNotificationsAreReplayedAtOnce()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:Notifications:RetrySchedule=Provider");
        var endpoint = await MerchantEndpoint.StartAsync();
        await using var _ = endpoint;
        endpoint.Handler = _ => new MerchantReply(500, "{}");
        var merchant = await endpoint.RegisterAsync(gateway);
        var store = await TestStore.CreateAsync(gateway);
        for (var i = 0; i < 3; i++)
        {
            var (code, _) = await merchant.CreateCodeAsync();
            await store.PayAsync(code, 150000);
        }
        // The provider's schedule: +30 min, +6 h, +12 h (each +20 % to cover the jitter).
        var attempt = 1;
        foreach (var step in new[] { TimeSpan.FromMinutes(36), TimeSpan.FromHours(7.2), TimeSpan.FromHours(14.4) })
        {
            await Eventually.WaitAsync(() => gateway.CountAsync("SELECT count(*) FROM notifications WHERE attempts >= $a AND lease_owner IS NULL", ("$a", attempt)),
                n => n == 3, $"attempt {attempt} of each notification recorded");
            gateway.Time.Advance(step);
            attempt++;
        }
        await Eventually.WaitAsync(async () => await gateway.CountAsync("SELECT count(*) FROM notifications WHERE status = 'FAILED'"), n => n == 3, "3 FAILED");
        Assert.Equal(12, endpoint.CallsTo(MerchantEndpoint.NotificationPath).Count);

        endpoint.Handler = _ => MerchantReply.Ok();
        using var content = new StringContent($"{{\"client_id\":\"{merchant.ClientId}\",\"status\":\"FAILED\",\"since\":\"2000-01-01T00:00:00Z\"}}", System.Text.Encoding.UTF8, "application/json");
        using var retry = await gateway.Admin.PostAsync("/admin/v1/notifications/retry", content);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal(3, (int)GatewayHost.Json(await retry.Content.ReadAsStringAsync())["queued"]!);
        await Eventually.WaitAsync(async () => await gateway.CountAsync("SELECT count(*) FROM notifications WHERE status = 'DELIVERED'"), n => n == 3, "3 DELIVERED");
    }

    [Fact]
    public async Task NotificationsWaitingForAUrlGoOutWhenOneIsSetAndThePendingAreReplayed()
    {
        var merchant = await _gateway.CreateMerchantAsync(new { name = "No URL yet" });
        var (code, _) = await merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await _store.PayAsync(code, 150000)).Status);
        var waiting = await Eventually.WaitAsync(() => AdminNotificationAsync(merchant.ClientId), n => (int)n["attempts"]! >= 1, "the first attempt");
        Assert.Equal("PENDING", (string)waiting["status"]!);
        Assert.Contains("no notification URL", (string)waiting["last_error"]!, StringComparison.Ordinal);

        using var patch = await _gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{merchant.ClientId}", new { notification_url = _endpoint.NotificationUrl });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        using var retry = await _gateway.Admin.PostAsJsonAsync("/admin/v1/notifications/retry", new { client_id = merchant.ClientId, status = "PENDING" });
        Assert.Equal(1, (int)GatewayHost.Json(await retry.Content.ReadAsStringAsync())["queued"]!);

        var delivered = await Eventually.WaitAsync(() => AdminNotificationAsync(merchant.ClientId), n => (string)n["status"]! == "DELIVERED", "delivery");
        Assert.Equal(8, (int)delivered["max_attempts"]!); // the schedule was kept, not cut short
        var call = Assert.Single(_endpoint.CallsTo(MerchantEndpoint.NotificationPath));
        Assert.Equal(merchant.ClientId, call.Headers["Client-Id"]);
    }

    [Fact]
    public async Task ASlowMerchantDelaysNeitherTheTillNorOtherMerchants()
    {
        var release = new TaskCompletionSource();
        _endpoint.Handler = _ => new MerchantReply(200, "{}", WaitFor: release.Task);
        var other = await MerchantEndpoint.StartAsync();
        await using var _ = other;
        other.Handler = _ => MerchantReply.Ok();
        var otherMerchant = await other.RegisterAsync(_gateway);

        // The slow merchant's endpoint holds every notification it gets; its payments still succeed at once.
        for (var i = 0; i < 3; i++)
        {
            await PaidCodeAsync();
        }
        await NotificationsAsync(3);
        var (code, _) = await otherMerchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await _store.PayAsync(code, 150000)).Status);

        await Eventually.WaitAsync(() => other.CallsTo(MerchantEndpoint.NotificationPath).Count == 1, "the other merchant's notification");
        Assert.Equal(0, await _gateway.CountAsync("SELECT count(*) FROM notifications WHERE status = 'DELIVERED' AND merchant_id = (SELECT id FROM merchants WHERE client_id = $c)", ("$c", _merchant.ClientId)));
        release.SetResult();
        await Eventually.WaitAsync(async () => await _gateway.CountAsync("SELECT count(*) FROM notifications WHERE status = 'DELIVERED'"), n => n == 4, "all delivered");
    }

    [Fact]
    public async Task AMerchantNeverHasMoreAttemptsInFlightThanItsLimitAndTheRestFollowWhenItAnswers()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:Notifications:MaxConcurrentPerMerchant=2");
        var release = new TaskCompletionSource();
        var slow = await MerchantEndpoint.StartAsync();
        await using var _ = slow;
        slow.Handler = _ => new MerchantReply(200, "{}", WaitFor: release.Task);
        var slowMerchant = await slow.RegisterAsync(gateway);
        var other = await MerchantEndpoint.StartAsync();
        await using var __ = other;
        other.Handler = _ => MerchantReply.Ok();
        var otherMerchant = await other.RegisterAsync(gateway);
        var store = await TestStore.CreateAsync(gateway);
        for (var i = 0; i < 5; i++)
        {
            var (code, _) = await slowMerchant.CreateCodeAsync();
            Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);
        }

        await Eventually.WaitAsync(() => slow.CallsTo(MerchantEndpoint.NotificationPath).Count == 2, "two attempts held by the slow merchant");
        // The worker keeps working for others meanwhile; when the other merchant has its notification, the slow
        // one still has only its two.
        var (otherCode, _) = await otherMerchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(otherCode, 150000)).Status);
        await Eventually.WaitAsync(() => other.CallsTo(MerchantEndpoint.NotificationPath).Count == 1, "the other merchant's notification");
        Assert.Equal(2, slow.CallsTo(MerchantEndpoint.NotificationPath).Count);

        release.SetResult();
        await Eventually.WaitAsync(async () => await gateway.CountAsync("SELECT count(*) FROM notifications WHERE status = 'DELIVERED'"), n => n == 6, "all delivered");
        var calls = slow.CallsTo(MerchantEndpoint.NotificationPath);
        Assert.Equal(5, calls.Count);
        Assert.Equal(5, calls.Select(c => c.Headers["Request-Id"]).Distinct().Count());
    }

    [Fact]
    public async Task APrivateAddressIsRefusedInProductionMode()
    {
        // AllowPlainHttp: the test's merchant listens on http://127.0.0.1, as one on a private network would.
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:Mode=Production", "Tunai:PublicBaseUrl=https://pay.example.com",
            "Tunai:AllowPlainHttp=true");
        var endpoint = await MerchantEndpoint.StartAsync();
        await using var _ = endpoint;
        var merchant = await endpoint.RegisterAsync(gateway);
        var store = await TestStore.CreateAsync(gateway);
        var (code, _) = await merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);

        var attempt = await Eventually.WaitAsync(async () =>
        {
            using var list = await gateway.Admin.GetAsync($"/admin/v1/notifications?client_id={merchant.ClientId}");
            return GatewayHost.Json(await list.Content.ReadAsStringAsync())["data"]![0]!;
        }, n => (int)n["attempts"]! >= 1, "the refused attempt");
        Assert.Contains("non-public address", (string)attempt["last_error"]!, StringComparison.Ordinal);
        Assert.Empty(endpoint.Calls);
    }
}
