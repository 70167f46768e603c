using System.Net;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Signing;

namespace Tunai.Gateway.Tests.OrderStatus;

/// <summary>
/// GET /orders/v1/status/{invoice_number}. Each test runs its own gateway whose clock starts at
/// 2026-11-23T03:15:02Z (10:15:02 WIB), so every date in an answer is known in advance.
/// </summary>
public sealed class OrderStatusTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 3, 15, 2, TimeSpan.Zero);

    private GatewayHost _gateway = null!;
    private TestMerchant _merchant = null!;
    private TestStore _store = null!;

    public async ValueTask InitializeAsync()
    {
        _gateway = await GatewayHost.StartAsync(Start);
        _merchant = await _gateway.CreateMerchantAsync(new { name = "Toko Status Tests" });
        _store = await TestStore.CreateAsync(_gateway);
    }

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    private static string PathOf(string invoice) => "/orders/v1/status/" + invoice;

    /// <summary>
    /// Asks for the status as the merchant, checking on the way out that the request is a GET without a body
    /// signed over the four lines (no Digest), and on the way back that the answer is signed for the merchant.
    /// </summary>
    private async Task<ApiResponse> StatusAsync(string invoice, TestMerchant? merchant = null)
    {
        merchant ??= _merchant;
        var response = await merchant.SendAsync(HttpMethod.Get, PathOf(invoice), body: null, tamper: request =>
        {
            Assert.Equal(HttpMethod.Get, request.Method);
            Assert.Null(request.Content);
            var input = new SignatureInput(merchant.ClientId, request.Headers.GetValues("Request-Id").Single(),
                request.Headers.GetValues("Request-Timestamp").Single(), PathOf(invoice), Body: null);
            Assert.DoesNotContain("Digest:", Signature.StringToSign(input), StringComparison.Ordinal);
            Assert.Equal(Signature.Compute(merchant.SecretKey, input), request.Headers.GetValues("Signature").Single());
        });
        response.AssertSignedBy(merchant);
        return response;
    }

    private async Task<(string Code, string Invoice, string RequestId)> CreateAsync(bool reusable = false, int minutes = 60, string? invoice = null)
    {
        var body = TestMerchant.ValidCreate(invoice);
        var info = (Dictionary<string, object?>)body["online_to_offline_info"]!;
        info["reusable_status"] = reusable;
        info["expired_time"] = minutes;
        var requestId = Guid.NewGuid().ToString();
        var response = await _merchant.CreateAsync(body, requestId);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        return ((string)response.Json["online_to_offline_info"]!["payment_code"]!,
            (string)((Dictionary<string, object?>)body["order"]!)["invoice_number"]!, requestId);
    }

    private async Task<string> PayAsync(string code, string trxId)
    {
        var paid = await _store.PayAsync(code, 150000, trxId);
        Assert.Equal(HttpStatusCode.OK, paid.Status);
        return (string)paid.Json["online_to_offline_payment"]!["payment_id"]!;
    }

    private static void AssertTransaction(JsonNode json, string status, DateTimeOffset date, string requestId)
    {
        Assert.Equal(status, (string)json["transaction"]!["status"]!);
        Assert.Equal(Signature.FormatTimestamp(date), (string)json["transaction"]!["date"]!);
        Assert.Equal(requestId, (string)json["transaction"]!["original_request_id"]!);
    }

    private static void AssertIdentifiers(JsonNode json, string paymentId, string trxId)
    {
        var payment = json["online_to_offline_payment"]!;
        Assert.Equal(paymentId, (string)payment["payment_id"]!);
        var identifiers = payment["identifier"]!.AsArray().ToDictionary(i => (string)i!["name"]!, i => (string)i!["value"]!);
        Assert.Equal(new Dictionary<string, string> { ["AGENT_ID"] = "ALFAMART", ["AGENT_STORE_ID"] = "TZ01", ["AGENT_TRX_ID"] = trxId }, identifiers);
    }

    [Fact]
    public async Task AnUnpaidCodeIsPendingDatedAtItsCreation()
    {
        var (code, invoice, requestId) = await CreateAsync();

        var response = await StatusAsync(invoice);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var json = response.Json;
        AssertTransaction(json, "PENDING", Start, requestId);
        Assert.Equal(invoice, (string)json["order"]!["invoice_number"]!);
        Assert.Equal(150000, (long)json["order"]!["amount"]!);
        Assert.Equal("ONLINE_TO_OFFLINE", (string)json["service"]!["id"]!);
        Assert.Equal("ALFA", (string)json["acquirer"]!["id"]!);
        Assert.Equal("ONLINE_TO_OFFLINE_ALFA", (string)json["channel"]!["id"]!);
        var info = json["online_to_offline_info"]!;
        Assert.Equal(code, (string)info["payment_code"]!);
        Assert.Equal("20261123101502", (string)info["created_date"]!);
        Assert.Equal("20261123111502", (string)info["expired_date"]!);
        Assert.Equal("2026-11-23T03:15:02Z", (string)info["created_date_utc"]!);
        Assert.Equal("2026-11-23T04:15:02Z", (string)info["expired_date_utc"]!);
        Assert.Null(json["online_to_offline_payment"]);
    }

    [Fact]
    public async Task APaidCodeIsSuccessDatedAtThePaymentWithTheStoreIdentifiers()
    {
        var (code, invoice, requestId) = await CreateAsync();
        _gateway.Time.Advance(TimeSpan.FromMinutes(7));
        var trx = TestStore.NewTrxId();
        var paymentId = await PayAsync(code, trx);
        _gateway.Time.Advance(TimeSpan.FromMinutes(3));

        var response = await StatusAsync(invoice);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        AssertTransaction(response.Json, "SUCCESS", Start.AddMinutes(7), requestId);
        AssertIdentifiers(response.Json, paymentId, trx);
        Assert.Null(response.Json["online_to_offline_payment"]!["payment_count"]);
    }

    [Fact]
    public async Task AnUnpaidCodePastItsExpiryIsExpiredDatedAtTheExpiry()
    {
        var (_, invoice, requestId) = await CreateAsync(minutes: 5);
        _gateway.Time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        AssertTransaction((await StatusAsync(invoice)).Json, "PENDING", Start, requestId);

        _gateway.Time.Advance(TimeSpan.FromSeconds(1));
        var response = await StatusAsync(invoice);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        AssertTransaction(response.Json, "EXPIRED", Start.AddMinutes(5), requestId);
        Assert.Null(response.Json["online_to_offline_payment"]);
    }

    /// <summary>A reversal makes the code payable again (README, the store walk): PENDING, not FAILED.</summary>
    [Fact]
    public async Task AReversedPaymentLeavesTheCodePendingDatedAtTheReversal()
    {
        var (code, invoice, requestId) = await CreateAsync();
        var trx = TestStore.NewTrxId();
        var paymentId = await PayAsync(code, trx);
        _gateway.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(HttpStatusCode.OK, (await _store.ReverseAsync(code, trx)).Status);

        var response = await StatusAsync(invoice);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        AssertTransaction(response.Json, "PENDING", Start.AddMinutes(4), requestId);
        // The reversed payment is described, so the merchant can match it to the SUCCESS it was told of.
        AssertIdentifiers(response.Json, paymentId, trx);
        // Payable again, as the answer says.
        Assert.Equal(HttpStatusCode.OK, (await _store.InquiryAsync(code)).Status);
    }

    [Fact]
    public async Task AReversedPaymentsCodeThatExpiredSinceIsExpiredDatedAtTheExpiry()
    {
        var (code, invoice, requestId) = await CreateAsync(minutes: 10);
        var trx = TestStore.NewTrxId();
        await PayAsync(code, trx);
        _gateway.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(HttpStatusCode.OK, (await _store.ReverseAsync(code, trx)).Status);
        AssertTransaction((await StatusAsync(invoice)).Json, "PENDING", Start.AddMinutes(4), requestId);

        _gateway.Time.Advance(TimeSpan.FromMinutes(6));
        var response = await StatusAsync(invoice);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        AssertTransaction(response.Json, "EXPIRED", Start.AddMinutes(10), requestId);
    }

    [Fact]
    public async Task APaymentAfterAReversalIsSuccessAgain()
    {
        var (code, invoice, requestId) = await CreateAsync();
        var first = TestStore.NewTrxId();
        await PayAsync(code, first);
        Assert.Equal(HttpStatusCode.OK, (await _store.ReverseAsync(code, first)).Status);
        _gateway.Time.Advance(TimeSpan.FromMinutes(2));
        var second = TestStore.NewTrxId();
        var paymentId = await PayAsync(code, second);

        var response = await StatusAsync(invoice);

        AssertTransaction(response.Json, "SUCCESS", Start.AddMinutes(2), requestId);
        AssertIdentifiers(response.Json, paymentId, second);
    }

    [Fact]
    public async Task ACancelledCodeIsFailedDatedAtTheCancel()
    {
        var (code, invoice, requestId) = await CreateAsync();
        _gateway.Time.Advance(TimeSpan.FromMinutes(9));
        var cancel = await _merchant.PatchAsync(new { online_to_offline_info = new { payment_code = code, status = "DELETE" } });
        Assert.Equal(HttpStatusCode.OK, cancel.Status);

        var response = await StatusAsync(invoice);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        AssertTransaction(response.Json, "FAILED", Start.AddMinutes(9), requestId);
        Assert.Null(response.Json["online_to_offline_payment"]);
    }

    [Fact]
    public async Task AReusableCodeIsSuccessWithItsLatestPaymentAndTheirCount()
    {
        var (code, invoice, requestId) = await CreateAsync(reusable: true);
        _gateway.Time.Advance(TimeSpan.FromMinutes(1));
        await PayAsync(code, TestStore.NewTrxId());
        _gateway.Time.Advance(TimeSpan.FromMinutes(1));
        var trx = TestStore.NewTrxId();
        var paymentId = await PayAsync(code, trx);

        var response = await StatusAsync(invoice);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        AssertTransaction(response.Json, "SUCCESS", Start.AddMinutes(2), requestId);
        AssertIdentifiers(response.Json, paymentId, trx);
        Assert.Equal(2, (long)response.Json["online_to_offline_payment"]!["payment_count"]!);
    }

    [Fact]
    public async Task AReusableCodeWithItsLatestPaymentReversedIsStillSuccessWithTheEarlierOne()
    {
        var (code, invoice, requestId) = await CreateAsync(reusable: true);
        _gateway.Time.Advance(TimeSpan.FromMinutes(1));
        var kept = TestStore.NewTrxId();
        var paymentId = await PayAsync(code, kept);
        _gateway.Time.Advance(TimeSpan.FromMinutes(1));
        var reversed = TestStore.NewTrxId();
        await PayAsync(code, reversed);
        Assert.Equal(HttpStatusCode.OK, (await _store.ReverseAsync(code, reversed)).Status);

        var response = await StatusAsync(invoice);

        AssertTransaction(response.Json, "SUCCESS", Start.AddMinutes(1), requestId);
        AssertIdentifiers(response.Json, paymentId, kept);
        Assert.Equal(1, (long)response.Json["online_to_offline_payment"]!["payment_count"]!);
    }

    [Fact]
    public async Task AnInvoiceReusedAfterACancelIsAnsweredForTheNewestCode()
    {
        var (oldCode, invoice, _) = await CreateAsync();
        Assert.Equal(HttpStatusCode.OK,
            (await _merchant.PatchAsync(new { online_to_offline_info = new { payment_code = oldCode, status = "DELETE" } })).Status);
        _gateway.Time.Advance(TimeSpan.FromMinutes(1));
        var (newCode, _, newRequestId) = await CreateAsync(invoice: invoice);
        Assert.NotEqual(oldCode, newCode);

        var response = await StatusAsync(invoice);

        Assert.Equal(newCode, (string)response.Json["online_to_offline_info"]!["payment_code"]!);
        AssertTransaction(response.Json, "PENDING", Start.AddMinutes(1), newRequestId);
    }

    [Fact]
    public async Task AnInvoiceHoldingASlashIsFound()
    {
        var (code, _, _) = await CreateAsync(invoice: "INV/2026/11/0001");

        var response = await StatusAsync("INV/2026/11/0001");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(code, (string)response.Json["online_to_offline_info"]!["payment_code"]!);
    }

    [Fact]
    public async Task AnUnknownInvoiceIs404()
    {
        var response = await StatusAsync("INV-NEVER-MADE");

        response.AssertError(HttpStatusCode.NotFound, "order_not_found");
    }

    [Fact]
    public async Task AnotherMerchantsInvoiceIs404()
    {
        var (_, invoice, _) = await CreateAsync();
        var other = await _gateway.CreateMerchantAsync(new { name = "Toko Lain" });

        var response = await StatusAsync(invoice, other);

        response.AssertError(HttpStatusCode.NotFound, "order_not_found");
    }

    [Fact]
    public async Task AnUnsignedRequestIs401()
    {
        var (_, invoice, _) = await CreateAsync();

        using var response = await _gateway.Http.GetAsync(PathOf(invoice), TestContext.Current.CancellationToken);

        (await ApiResponse.ReadAsync(response, PathOf(invoice))).AssertError(HttpStatusCode.Unauthorized, "missing_header");
    }

    [Fact]
    public async Task AWronglySignedRequestIs401()
    {
        var (_, invoice, _) = await CreateAsync();

        var response = await _merchant.SendAsync(HttpMethod.Get, PathOf(invoice), body: null, tamper: r =>
        {
            r.Headers.Remove("Signature");
            r.Headers.Add("Signature", Signature.Compute("not-the-secret",
                new SignatureInput(_merchant.ClientId, r.Headers.GetValues("Request-Id").Single(),
                    r.Headers.GetValues("Request-Timestamp").Single(), PathOf(invoice), Body: null)));
        });

        response.AssertError(HttpStatusCode.Unauthorized, "invalid_signature");
    }

    [Fact]
    public async Task AGetSignedWithADigestLineIs401SayingGetHasNoDigest()
    {
        var (_, invoice, _) = await CreateAsync();

        // Signed as if the GET had an empty body: five lines, Digest of zero bytes (47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=).
        var response = await _merchant.SendAsync(HttpMethod.Get, PathOf(invoice), body: null, tamper: r =>
        {
            r.Headers.Remove("Signature");
            r.Headers.Add("Signature", Signature.Compute(_merchant.SecretKey,
                new SignatureInput(_merchant.ClientId, r.Headers.GetValues("Request-Id").Single(),
                    r.Headers.GetValues("Request-Timestamp").Single(), PathOf(invoice), Array.Empty<byte>())));
        });

        response.AssertError(HttpStatusCode.Unauthorized, "invalid_signature", "Signature");
        Assert.Contains("Digest", (string)response.Json["error"]!["message"]!, StringComparison.Ordinal);
    }
}
