using System.Net;
using System.Text.Json;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Idempotency;

public sealed class RequestIdTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private TestMerchant Merchant => fixture.Merchant;

    [Fact]
    public async Task TheSameRequestAgainReplaysTheOriginalBodyWith409()
    {
        var requestId = Guid.NewGuid().ToString();
        var body = JsonSerializer.Serialize(TestMerchant.ValidCreate());
        var first = await Merchant.CreateRawAsync(body, requestId);
        Assert.Equal(HttpStatusCode.OK, first.Status);

        fixture.Gateway.Time.Advance(TimeSpan.FromSeconds(3));
        var again = await Merchant.CreateRawAsync(body, requestId);

        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Equal("true", again.Headers["Tunai-Replayed"]);
        Assert.Equal(first.Bytes, again.Bytes);
        again.AssertSignedBy(Merchant);
        Assert.NotEqual(first.Headers["Response-Timestamp"], again.Headers["Response-Timestamp"]);
        Assert.False(first.Headers.ContainsKey("Tunai-Replayed"));
        Assert.Equal(1, await fixture.Gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE request_id = $r", ("$r", requestId)));
    }

    [Fact]
    public async Task TheSameRequestIdWithADifferentBodyIs422()
    {
        var requestId = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.OK, (await Merchant.CreateAsync(TestMerchant.ValidCreate(), requestId)).Status);
        var other = await Merchant.CreateAsync(TestMerchant.ValidCreate(), requestId);
        other.AssertError(HttpStatusCode.UnprocessableEntity, "request_id_reused");
        Assert.Equal(1, await fixture.Gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE request_id = $r", ("$r", requestId)));
    }

    [Fact]
    public async Task TheSameRequestIdOnAnotherEndpointIs422()
    {
        var requestId = Guid.NewGuid().ToString();
        var (code, _) = await Merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await Merchant.CreateAsync(TestMerchant.ValidCreate(), requestId)).Status);
        var patch = await Merchant.PatchAsync(new { online_to_offline_info = new { payment_code = code, status = "DELETE" } }, requestId);
        patch.AssertError(HttpStatusCode.UnprocessableEntity, "request_id_reused");
    }

    [Fact]
    public async Task RequestIdsBelongToOneMerchant()
    {
        var requestId = Guid.NewGuid().ToString();
        var other = await fixture.Gateway.CreateMerchantAsync(new { name = "Other shop" });
        Assert.Equal(HttpStatusCode.OK, (await Merchant.CreateAsync(TestMerchant.ValidCreate(), requestId)).Status);
        Assert.Equal(HttpStatusCode.OK, (await other.CreateAsync(TestMerchant.ValidCreate(), requestId)).Status);
    }

    [Fact]
    public async Task ARejectedRequestIsNotKeptSoItCanBeCorrectedAndSentAgain()
    {
        var requestId = Guid.NewGuid().ToString();
        var body = TestMerchant.ValidCreate();
        ((Dictionary<string, object?>)body["order"]!)["amount"] = 0;
        (await Merchant.CreateAsync(body, requestId)).AssertError(HttpStatusCode.BadRequest, "invalid_field", "order.amount");

        ((Dictionary<string, object?>)body["order"]!)["amount"] = 5000;
        var corrected = await Merchant.CreateAsync(body, requestId);
        Assert.Equal(HttpStatusCode.OK, corrected.Status);
    }

    [Fact]
    public async Task ABusinessRefusalIsNotKeptEither()
    {
        var invoice = "INV-RETRY-" + Guid.NewGuid().ToString("N")[..6];
        var (code, _) = await Merchant.CreateCodeAsync(TestMerchant.ValidCreate(invoice));
        var requestId = Guid.NewGuid().ToString();
        var body = JsonSerializer.Serialize(TestMerchant.ValidCreate(invoice));
        (await Merchant.CreateRawAsync(body, requestId)).AssertError(HttpStatusCode.BadRequest, "invoice_number_in_use");

        Assert.Equal(HttpStatusCode.OK, (await Merchant.PatchAsync(new { online_to_offline_info = new { payment_code = code, status = "DELETE" } })).Status);
        Assert.Equal(HttpStatusCode.OK, (await Merchant.CreateRawAsync(body, requestId)).Status);
    }

    [Fact]
    public async Task AHundredConcurrentCreatesWithOneRequestIdMakeExactlyOneCode()
    {
        var requestId = Guid.NewGuid().ToString();
        var body = JsonSerializer.Serialize(TestMerchant.ValidCreate());
        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Merchant.CreateRawAsync(body, requestId)));

        Assert.Equal(1, responses.Count(r => r.Status == HttpStatusCode.OK));
        Assert.All(responses.Where(r => r.Status != HttpStatusCode.OK), r =>
        {
            Assert.Equal(HttpStatusCode.Conflict, r.Status);
            Assert.True(r.Headers.ContainsKey("Tunai-Replayed") || r.ErrorCode == "request_in_progress", r.Body);
        });
        var winner = responses.Single(r => r.Status == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.Headers.ContainsKey("Tunai-Replayed")), r => Assert.Equal(winner.Bytes, r.Bytes));
        Assert.Equal(1, await fixture.Gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE request_id = $r", ("$r", requestId)));
    }

    [Fact]
    public async Task ARequestStillInFlightIs409WithAnError()
    {
        // The state a request leaves while it is being served: its Request-Id claimed, not completed.
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await gateway.CreateMerchantAsync();
        var requestId = Guid.NewGuid().ToString();
        var body = JsonSerializer.Serialize(TestMerchant.ValidCreate());
        await ClaimAsync(gateway, merchant, requestId, body);

        var response = await merchant.CreateRawAsync(body, requestId);

        response.AssertError(HttpStatusCode.Conflict, "request_in_progress");
        Assert.False(response.Headers.ContainsKey("Tunai-Replayed"));
    }

    [Fact]
    public async Task ARequestIdLeftInFlightByACrashIsTakenOverAfterItsLease()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await gateway.CreateMerchantAsync();
        var requestId = Guid.NewGuid().ToString();
        var body = JsonSerializer.Serialize(TestMerchant.ValidCreate());
        await ClaimAsync(gateway, merchant, requestId, body);

        gateway.Time.Advance(TimeSpan.FromSeconds(59));
        (await merchant.CreateRawAsync(body, requestId)).AssertError(HttpStatusCode.Conflict, "request_in_progress");

        gateway.Time.Advance(TimeSpan.FromSeconds(2));
        var retried = await merchant.CreateRawAsync(body, requestId);
        Assert.Equal(HttpStatusCode.OK, retried.Status);
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE request_id = $r", ("$r", requestId)));
    }

    [Fact]
    public async Task ARequestIdIsKeptForTwentyFourHoursThenForgotten()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await gateway.CreateMerchantAsync();
        var requestId = Guid.NewGuid().ToString();
        var body = JsonSerializer.Serialize(TestMerchant.ValidCreate());
        Assert.Equal(HttpStatusCode.OK, (await merchant.CreateRawAsync(body, requestId)).Status);

        gateway.Time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Conflict, (await merchant.CreateRawAsync(body, requestId)).Status);

        gateway.Time.Advance(TimeSpan.FromSeconds(1));
        var later = await merchant.CreateAsync(TestMerchant.ValidCreate(), requestId);
        Assert.Equal(HttpStatusCode.OK, later.Status);
        Assert.Equal(2, await gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE request_id = $r", ("$r", requestId)));
    }

    [Fact]
    public async Task ExpiredRequestIdsAreSweptInBatchesAndLiveOnesKept()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await gateway.CreateMerchantAsync();
        var now = gateway.Time.GetUtcNow().ToUnixTimeMilliseconds();
        // 2,500 keys that expire within the hour (more than two sweeping batches) and one answered request that does not.
        await gateway.ExecuteAsync(
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
            INSERT INTO idempotency_keys (merchant_id, request_id, request_hash, state, response_status, response_body, created_at, expires_at)
            SELECT m.id, 'old-' || n.i, 'h', 'DONE', 200, NULL, $now, $now + 3600000 FROM n, merchants m WHERE m.client_id = $c
            """, ("$now", now), ("$c", merchant.ClientId));
        var live = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.OK, (await merchant.CreateAsync(TestMerchant.ValidCreate(), live)).Status);

        gateway.Time.Advance(TimeSpan.FromHours(2)); // the sweeper's 10-minute timer runs on the gateway's clock
        await Eventually.WaitAsync(() => gateway.CountAsync("SELECT count(*) FROM idempotency_keys WHERE request_id LIKE 'old-%'"),
            n => n == 0, "the expired keys swept");
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM idempotency_keys WHERE request_id = $r", ("$r", live)));
    }

    /// <summary>Writes the row a request holds while it is served (what a crash mid-request leaves behind).</summary>
    private static async Task ClaimAsync(GatewayHost gateway, TestMerchant merchant, string requestId, string body)
    {
        var now = gateway.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var hash = Tunai.Gateway.Idempotency.RequestKeys.Hash("POST", TestMerchant.CreatePath, System.Text.Encoding.UTF8.GetBytes(body));
        await gateway.ExecuteAsync(
            """
            INSERT INTO idempotency_keys (merchant_id, request_id, request_hash, state, lock_token, locked_at, created_at, expires_at)
            SELECT id, $r, $h, 'IN_FLIGHT', 'crashed', $now, $now, $now + 86400000 FROM merchants WHERE client_id = $c
            """, ("$r", requestId), ("$h", hash), ("$now", now), ("$c", merchant.ClientId));
    }
}
