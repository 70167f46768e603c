using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Snap;

/// <summary>
/// Notifications and direct inquiry in SNAP form, to a merchant server in the test that checks Tunai's token request
/// (RSA with Tunai's key) and each call's Bearer token and HMAC-SHA512 signature on its own.
/// </summary>
public sealed class SnapOutboundTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;
    private TestMerchant _merchant = null!;
    private SnapMerchantServer _server = null!;
    private TestStore _store = null!;

    public async ValueTask InitializeAsync()
    {
        _gateway = await GatewayHost.StartAsync();
        _merchant = await _gateway.CreateMerchantAsync(new { name = "Toko SNAP" });
        _server = await SnapMerchantServer.StartAsync(_gateway, _merchant);
        _store = await TestStore.CreateAsync(_gateway);
        var patched = await PatchAsync(new
        {
            notification_protocol = "SNAP",
            snap_token_url = _server.Url(SnapMerchantServer.TokenPath),
            snap_notification_url = _server.Url(SnapMerchantServer.NotificationPath),
            snap_inquiry_url = _server.Url(SnapMerchantServer.InquiryPath),
        });
        Assert.True(patched.StatusCode == HttpStatusCode.OK, await patched.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _server.DisposeAsync();
    }

    private Task<HttpResponseMessage> PatchAsync(object body) => _gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{_merchant.ClientId}", body);

    private async Task<(string Code, string RequestId, string Trx)> PaidCodeAsync(long amount = 150000)
    {
        var requestId = Guid.NewGuid().ToString();
        var created = await _merchant.CreateAsync(TestMerchant.ValidCreate(amount: amount), requestId);
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var code = (string)created.Json["online_to_offline_info"]!["payment_code"]!;
        var trx = TestStore.NewTrxId();
        Assert.Equal(HttpStatusCode.OK, (await _store.PayAsync(code, amount, trx)).Status);
        return (code, requestId, trx);
    }

    private Task<IReadOnlyList<SnapCall>> NotificationsAsync(int count) =>
        Eventually.WaitAsync(() => Task.FromResult(_server.CallsTo(SnapMerchantServer.NotificationPath)), c => c.Count >= count, $"{count} SNAP notification(s)");

    private async Task<JsonNode> AdminNotificationAsync()
    {
        using var list = await _gateway.Admin.GetAsync($"/admin/v1/notifications?client_id={_merchant.ClientId}&limit=1");
        var id = (string)GatewayHost.Json(await list.Content.ReadAsStringAsync())["data"]![0]!["notification_id"]!;
        using var one = await _gateway.Admin.GetAsync($"/admin/v1/notifications/{id}");
        return GatewayHost.Json(await one.Content.ReadAsStringAsync());
    }

    private Task<JsonNode> WaitForAttemptsAsync(int attempts) =>
        Eventually.WaitAsync(AdminNotificationAsync, n => (int)n["attempts"]! >= attempts, $"{attempts} recorded attempt(s)");

    [Fact]
    public async Task APaymentIsNotifiedInTransferVaPaymentFormWithAVerifiedTokenAndSignature()
    {
        var (code, requestId, trx) = await PaidCodeAsync();

        var call = Assert.Single(await NotificationsAsync(1));

        var token = Assert.Single(_server.TokenCalls);
        Assert.True(token.SignatureValid, "Tunai's token request does not verify with Tunai's public key");
        Assert.Equal("""{"grantType":"client_credentials"}""", System.Text.Encoding.UTF8.GetString(token.Body));
        Assert.True(call.SignatureValid, "the notification's Bearer token, X-PARTNER-ID or HMAC signature does not verify");
        Assert.Equal("Bearer merchant-token-1", call.Headers["Authorization"]);
        Assert.Equal(_merchant.ClientId, call.Headers["X-PARTNER-ID"]);
        Assert.Equal("ALFAMART", call.Headers["CHANNEL-ID"]);
        Assert.StartsWith("application/json", call.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.True(DateTimeOffset.TryParse(call.Headers["X-TIMESTAMP"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var sentAt));
        Assert.Equal(TimeSpan.FromHours(7), sentAt.Offset);

        var partnerServiceId = _merchant.CodePrefix.PadLeft(8);
        var customerNo = code[_merchant.CodePrefix.Length..];
        var json = call.Json;
        Assert.Equal(partnerServiceId, (string)json["partnerServiceId"]!);
        Assert.Equal(customerNo, (string)json["customerNo"]!);
        Assert.Equal(partnerServiceId + customerNo, (string)json["virtualAccountNo"]!);
        Assert.Equal(requestId, (string)json["paymentRequestId"]!);
        Assert.Equal(trx, (string)json["referenceNo"]!);
        Assert.Equal("150000.00", (string)json["paidAmount"]!["value"]!);
        Assert.Equal("IDR", (string)json["paidAmount"]!["currency"]!);
        Assert.Equal("150000.00", (string)json["totalAmount"]!["value"]!);
        Assert.Equal("PAID", (string)json["additionalInfo"]!["trxStatus"]!);
        Assert.Equal("N", (string)json["flagAdvise"]!);
        var stored = await _gateway.RowAsync("SELECT invoice_number, customer_name FROM payment_codes WHERE code = $c", ("$c", code));
        Assert.Equal(stored["invoice_number"], (string)json["trxId"]!);
        Assert.Equal(stored["customer_name"], (string)json["virtualAccountName"]!);
        // The body is what JSON.stringify(JSON.parse(body)) gives: compact, nothing escaped that need not be.
        Assert.Equal(json.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }),
            System.Text.Encoding.UTF8.GetString(call.Body));

        var admin = await WaitForAttemptsAsync(1);
        Assert.Equal("DELIVERED", (string)admin["status"]!);
        Assert.Equal(_server.Url(SnapMerchantServer.NotificationPath), (string)admin["attempt_log"]![0]!["url"]!);
        // The log shows the SNAP body that went out, not the Alfa O2O form the row stores.
        await Tunai.Gateway.Tests.Notifications.DeliveryLog.AssertShowsTheBodySentAsync(_gateway, code, admin, call.Body);
    }

    [Fact]
    public async Task AnAnswerWhoseResponseCodeIsNot200IsRetriedWithTheSameExternalIdAndBody()
    {
        var answers = 0;
        _server.OnNotification = _ => Interlocked.Increment(ref answers) == 1
            ? new SnapReply(200, new JsonObject { ["responseCode"] = "5002501", ["responseMessage"] = "Internal Server Error" }, Sign: false)
            // The provider's Node SDK answers with a number.
            : new SnapReply(200, new JsonObject { ["responseCode"] = 2002500, ["responseMessage"] = "success" }, Sign: false);
        await PaidCodeAsync();

        var first = await WaitForAttemptsAsync(1);
        Assert.Equal("PENDING", (string)first["status"]!);
        Assert.Contains("5002501", (string)first["attempt_log"]![0]!["error"]!, StringComparison.Ordinal);
        _gateway.Time.Advance(TimeSpan.FromSeconds(6));
        var second = await WaitForAttemptsAsync(2);

        Assert.Equal("DELIVERED", (string)second["status"]!);
        var calls = await NotificationsAsync(2);
        Assert.Single(calls.Select(c => c.Headers["X-EXTERNAL-ID"]).Distinct());
        Assert.Single(calls.Select(c => Convert.ToBase64String(c.Body)).Distinct());
        Assert.All(calls, c => Assert.True(c.SignatureValid));
        Assert.Equal(1, _server.TokensIssued);
    }

    [Fact]
    public async Task OneTokenServesSeveralNotifications()
    {
        for (var i = 0; i < 3; i++)
        {
            await PaidCodeAsync();
        }

        var calls = await NotificationsAsync(3);

        Assert.Equal(1, _server.TokensIssued);
        Assert.All(calls, c => Assert.Equal("Bearer merchant-token-1", c.Headers["Authorization"]));
        Assert.Equal(3, calls.Select(c => c.Headers["X-EXTERNAL-ID"]).Distinct().Count());
        Assert.All(calls, c => Assert.True(c.SignatureValid));
    }

    [Fact]
    public async Task ATokenIsRenewedShortlyBeforeItsExpiresIn()
    {
        await PaidCodeAsync();
        await NotificationsAsync(1);
        // 900 s promised, renewed from 60 s before: at 850 s the held token is no longer used.
        _gateway.Time.Advance(TimeSpan.FromSeconds(850));
        await PaidCodeAsync();

        var calls = await NotificationsAsync(2);

        Assert.Equal(2, _server.TokensIssued);
        Assert.Equal("Bearer merchant-token-2", calls[1].Headers["Authorization"]);
    }

    private static JsonObject Bill(string prefix, string code, JsonNode inquiry, long amount = 175000) => new()
    {
        ["responseCode"] = "2002400",
        ["responseMessage"] = "Successful",
        ["virtualAccountData"] = new JsonObject
        {
            ["inquiryStatus"] = "00",
            ["inquiryReason"] = new JsonObject { ["english"] = "Success", ["indonesia"] = "Sukses" },
            ["partnerServiceId"] = prefix.PadLeft(8),
            ["customerNo"] = code[prefix.Length..],
            ["virtualAccountNo"] = prefix.PadLeft(8) + code[prefix.Length..],
            ["virtualAccountName"] = "Dewi Lestari",
            ["virtualAccountEmail"] = "dewi@example.com",
            ["trxId"] = "INV-SNAP-DIPC-1",
            ["totalAmount"] = new JsonObject { ["value"] = $"{amount}.00", ["currency"] = "IDR" },
            ["virtualAccountTrxType"] = "C",
            ["inquiryRequestId"] = (string)inquiry["inquiryRequestId"]!,
            ["freeTexts"] = new JsonArray(new JsonObject { ["english"] = "Thanks", ["indonesia"] = "Terima kasih" }),
        },
    };

    private string UnknownCode() => _merchant.CodePrefix + string.Concat(Enumerable.Range(0, 16 - _merchant.CodePrefix.Length).Select(_ => (char)('0' + Random.Shared.Next(10))));

    [Fact]
    public async Task ADirectInquiryOverSnapDecidesThePayment()
    {
        var code = UnknownCode();
        _server.OnInquiry = call => new SnapReply(200, Bill(_merchant.CodePrefix, code, call.Json));

        var inquiry = await _store.InquiryAsync(code, TestStore.NewTrxId());

        Assert.True(inquiry.Status == HttpStatusCode.OK, inquiry.Body);
        Assert.Equal(175000L, (long)inquiry.Json["order"]!["amount"]!);
        Assert.Equal("INV-SNAP-DIPC-1", (string)inquiry.Json["order"]!["invoice_number"]!);
        var call = Assert.Single(_server.CallsTo(SnapMerchantServer.InquiryPath));
        Assert.True(call.SignatureValid, "the inquiry's Bearer token or HMAC signature does not verify");
        Assert.Equal(_merchant.CodePrefix.PadLeft(8), (string)call.Json["partnerServiceId"]!);
        Assert.Equal(code[_merchant.CodePrefix.Length..], (string)call.Json["customerNo"]!);
        Assert.Equal("ALFAMART", (string)call.Json["additionalInfo"]!["agentId"]!);
        Assert.Equal((string)call.Json["inquiryRequestId"]!, call.Headers["X-EXTERNAL-ID"]);

        Assert.Equal(HttpStatusCode.OK, (await _store.PayAsync(code, 175000)).Status);
        var row = await _gateway.RowAsync("SELECT kind, status, customer_name, info FROM payment_codes WHERE code = $c", ("$c", code));
        Assert.Equal("DIPC", row["kind"]);
        Assert.Equal("PAID", row["status"]);
        Assert.Equal("Dewi Lestari", row["customer_name"]);
        Assert.Equal("Terima kasih", row["info"]);
        // Its notification goes out in SNAP form too, paymentRequestId = the inquiry's inquiryRequestId.
        var notified = Assert.Single(await NotificationsAsync(1));
        Assert.Equal((string)call.Json["inquiryRequestId"]!, (string)notified.Json["paymentRequestId"]!);
    }

    [Fact]
    public async Task ADirectInquiryAnswerWithAWrongSignatureIsDeclined()
    {
        var code = UnknownCode();
        _server.OnInquiry = call => new SnapReply(200, Bill(_merchant.CodePrefix, code, call.Json), SecretKey: "not-the-merchants-key");

        var inquiry = await _store.InquiryAsync(code, TestStore.NewTrxId());

        Assert.Equal(HttpStatusCode.BadRequest, inquiry.Status);
        Assert.Equal("decline", TestStore.StatusOf(inquiry));
        Assert.Equal(0L, await _gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE code = $c", ("$c", code)));
    }

    [Fact]
    public async Task ADirectInquiryForABillTheMerchantDoesNotKnowIsNotFound()
    {
        var inquiry = await _store.InquiryAsync(UnknownCode(), TestStore.NewTrxId());

        Assert.Equal(HttpStatusCode.NotFound, inquiry.Status);
        Assert.Equal("billing_not_found", TestStore.StatusOf(inquiry));
    }

    [Fact]
    public async Task SettingsThatDoNotHoldTogetherAreRefusedAndChangesAreAudited()
    {
        var other = await _gateway.CreateMerchantAsync(new { name = "Toko Lain" });
        async Task<(HttpStatusCode Status, string? Field)> Patch(object body)
        {
            using var response = await _gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{other.ClientId}", body);
            var json = GatewayHost.Json(await response.Content.ReadAsStringAsync());
            return (response.StatusCode, (string?)json["error"]?["field"]);
        }

        Assert.Equal((HttpStatusCode.BadRequest, "snap_token_url"), await Patch(new { notification_protocol = "SNAP" }));
        Assert.Equal((HttpStatusCode.BadRequest, "snap_notification_url"),
            await Patch(new { notification_protocol = "SNAP", snap_token_url = "https://merchant.example/token" }));
        Assert.Equal((HttpStatusCode.BadRequest, "notification_protocol"), await Patch(new { notification_protocol = "JSON-RPC" }));
        Assert.Equal((HttpStatusCode.BadRequest, "snap_notification_url"), await Patch(new { snap_notification_url = "ftp://merchant.example/n" }));
        Assert.Equal((HttpStatusCode.BadRequest, "snap_token_url"), await Patch(new { snap_token_url = "/relative" }));
        Assert.Equal((HttpStatusCode.BadRequest, "snap_signature_token"), await Patch(new { snap_signature_token = "BEARER" }));
        var unchanged = await _gateway.RowAsync("SELECT notification_protocol, snap_token_url FROM merchants WHERE client_id = $c", ("$c", other.ClientId));
        Assert.Equal("ALFA_O2O", unchanged["notification_protocol"]);
        Assert.Null(unchanged["snap_token_url"]);

        var ok = await Patch(new
        {
            notification_protocol = "SNAP", snap_token_url = "https://merchant.example/token", snap_notification_url = "https://merchant.example/payment",
        });
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        using var got = await _gateway.Admin.GetAsync($"/admin/v1/merchants/{other.ClientId}");
        var view = GatewayHost.Json(await got.Content.ReadAsStringAsync());
        Assert.Equal("SNAP", (string)view["notification_protocol"]!);
        Assert.Equal("https://merchant.example/token", (string)view["snap_token_url"]!);
        Assert.Equal("ACCESS_TOKEN", (string)view["snap_signature_token"]!);
        var audit = await _gateway.RowAsync(
            "SELECT after FROM audit_log WHERE action = 'merchant.update' AND target = $c ORDER BY at DESC LIMIT 1", ("$c", other.ClientId));
        var after = GatewayHost.Json((string)audit["after"]!);
        Assert.Equal("https://merchant.example/payment", (string)after["after"]!["snapNotificationUrl"]!);
        Assert.Equal("SNAP", (string)after["after"]!["notificationProtocol"]!);
    }

    [Fact]
    public async Task TheGatewaysPublicKeyIsServedWithoutAuthenticationAndARotationReplacesIt()
    {
        using var anonymous = new HttpClient { BaseAddress = _gateway.BaseAddress };
        var pem = await anonymous.GetStringAsync("/snap/public-key");
        using var key = RSA.Create();
        key.ImportFromPem(pem);
        Assert.Equal(2048, key.KeySize);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", pem, StringComparison.Ordinal);
        var stored = await _gateway.RowAsync("SELECT private_key FROM snap_gateway_keys");
        Assert.StartsWith("dp1:", (string)stored["private_key"]!, StringComparison.Ordinal);

        using var refused = await anonymous.PostAsync("/admin/v1/snap/gateway-keys", null);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var rotated = await _gateway.Admin.PostAsync("/admin/v1/snap/gateway-keys", null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var newPem = (string)GatewayHost.Json(await rotated.Content.ReadAsStringAsync())["public_key"]!;
        Assert.NotEqual(pem, newPem);
        Assert.Equal(newPem, await anonymous.GetStringAsync("/snap/public-key"));
    }
}
