using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Merchant.AspNetCore;
using Tunai.Merchant.Testing;

namespace Tunai.Merchant.Tests;

/// <summary>MapTunaiNotifications on a real Kestrel app, fed by TunaiTestSignatures and by a real gateway.</summary>
public sealed class NotificationEndpointTests : IAsyncLifetime
{
    private const string Path = "/payments/notifications";
    private readonly ConcurrentQueue<PaymentNotification> _handled = new();
    private MerchantApp _app = null!;
    private bool _fail;

    public async ValueTask InitializeAsync() =>
        _app = await MerchantApp.StartAsync(app => app.MapTunaiNotifications(Path, (n, ct) =>
        {
            if (_fail)
            {
                throw new InvalidOperationException("the shop's database is down");
            }
            _handled.Enqueue(n);
            return Task.CompletedTask;
        }));

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task<HttpStatusCode> SendAsync(SignedTestRequest request)
    {
        using var message = request.ToHttpRequestMessage(_app.BaseAddress);
        using var response = await _app.Http.SendAsync(message, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    [Fact]
    public async Task AGoodNotificationIsHandledAndAnswered200()
    {
        var request = TunaiTestSignatures.Notification(_app.ClientId, _app.SecretKey, "INV-1", 150000, "8896512345678123");

        Assert.Equal(HttpStatusCode.OK, await SendAsync(request));

        var n = Assert.Single(_handled);
        Assert.Equal(("INV-1", 150000L, "8896512345678123", true), (n.InvoiceNumber, n.Order.Amount, n.PaymentCode, n.IsSuccess));
        Assert.Equal(request.Headers["Request-Id"], n.RequestId);
        Assert.Equal("TEST-1", n.Identifier("AGENT_TRX_ID"));
    }

    [Fact]
    public async Task ATamperedNotificationIsRefusedWith401()
    {
        var good = TunaiTestSignatures.Notification(_app.ClientId, _app.SecretKey, "INV-2", 150000, "8896512345678123");
        var tampered = good with { Body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(good.Body).Replace("150000", "1500000", StringComparison.Ordinal)) };

        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(tampered));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(TunaiTestSignatures.Notification(_app.ClientId, "SK-wrong", "INV-2", 150000, "8896512345678123")));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(TunaiTestSignatures.Notification(_app.ClientId, _app.SecretKey, "INV-2", 150000, "8896512345678123", path: "/elsewhere") with { Path = Path }));
        Assert.Empty(_handled);
    }

    [Fact]
    public async Task AStaleNotificationIsRefusedWith401()
    {
        var old = TunaiTestSignatures.Notification(_app.ClientId, _app.SecretKey, "INV-3", 150000, "8896512345678123",
            timestamp: DateTimeOffset.UtcNow.AddMinutes(-6));

        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(old));
        Assert.Empty(_handled);
    }

    [Fact]
    public async Task AFailingHandlerIsAnswered500SoTheGatewayRetries()
    {
        _fail = true;

        Assert.Equal(HttpStatusCode.InternalServerError,
            await SendAsync(TunaiTestSignatures.Notification(_app.ClientId, _app.SecretKey, "INV-4", 150000, "8896512345678123")));
    }

    [Fact]
    public async Task AUnknownFieldIsIgnoredAndAMissingPartIsNull()
    {
        var body = """{"order":{"invoice_number":"INV-5","amount":"25000"},"online_to_offline_info":{"payment_code":"123"},"transaction":{"status":"SUCCESS","new_field":1},"future":{"x":[1,2]}}""";

        Assert.Equal(HttpStatusCode.OK, await SendAsync(TunaiTestSignatures.Sign(_app.ClientId, _app.SecretKey, Path, Encoding.UTF8.GetBytes(body))));

        var n = Assert.Single(_handled);
        Assert.Equal(25000, n.Order.Amount);
        Assert.Null(n.OnlineToOfflinePayment);
    }

    [Fact]
    public async Task ARealPaymentThroughTheGatewayIsDeliveredAndHandled()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await _app.RegisterAsync(gateway, notificationPath: Path);
        var store = await TestStore.CreateAsync(gateway);
        var (code, _) = await merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);

        await Eventually.WaitAsync(() => !_handled.IsEmpty, "the notification to be handled");

        var n = Assert.Single(_handled);
        Assert.Equal(code, n.PaymentCode);
        Assert.True(n.IsSuccess);
        Assert.Equal("ALFA", n.Acquirer?.Id); // the channel's id, whatever the connection's code (ALFA2 here)
    }

    /// <summary>
    /// A merchant whose notification URL holds a space and a non-ASCII letter: the gateway signs the path as it
    /// travels (percent-encoded) and MapTunaiNotifications verifies it, so the payment is handled, not retried
    /// until FAILED.
    /// </summary>
    [Fact]
    public async Task ANotificationToAUrlWithASpaceAndANonAsciiLetterIsVerifiedAndHandled()
    {
        const string escapedPath = "/toko café/notifikasi pembayaran";
        var handled = new ConcurrentQueue<PaymentNotification>();
        await using var app = await MerchantApp.StartAsync(a => a.MapTunaiNotifications(escapedPath, (n, ct) =>
        {
            handled.Enqueue(n);
            return Task.CompletedTask;
        }));
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await app.RegisterAsync(gateway, notificationPath: escapedPath);
        var store = await TestStore.CreateAsync(gateway);
        var (code, _) = await merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);

        await Eventually.WaitAsync(() => !handled.IsEmpty, "the notification to be handled");

        Assert.Equal(code, Assert.Single(handled).PaymentCode);
        // Delivered at the first attempt: the signature verified, nothing is left to retry.
        var delivered = await Eventually.WaitAsync(() => gateway.RowAsync("SELECT status, attempts FROM notifications"),
            row => (string?)row["status"] != "PENDING", "the attempt to be recorded");
        Assert.Equal("DELIVERED", delivered["status"]);
        Assert.Equal(1L, Convert.ToInt64(delivered["attempts"], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Notifications signed over the encoded path (as the gateway and TunaiTestSignatures sign) and over the decoded one both pass.</summary>
    [Fact]
    public async Task ANotificationSignedOverTheEncodedOrTheDecodedPathIsAccepted()
    {
        const string escapedPath = "/toko café/notifikasi pembayaran";
        var handled = new ConcurrentQueue<PaymentNotification>();
        await using var app = await MerchantApp.StartAsync(a => a.MapTunaiNotifications(escapedPath, (n, ct) =>
        {
            handled.Enqueue(n);
            return Task.CompletedTask;
        }));
        var encoded = TunaiTestSignatures.Notification(app.ClientId, app.SecretKey, "INV-E", 150000, "8896512345678123", path: escapedPath);
        var body = encoded.Body;
        var requestId = Guid.NewGuid().ToString();
        var stamp = Tunai.Signing.Signature.FormatTimestamp(DateTimeOffset.UtcNow);
        var decodedSignature = Tunai.Signing.Signature.Compute(app.SecretKey, new Tunai.Signing.SignatureInput(app.ClientId, requestId, stamp, escapedPath, body));
        var decoded = encoded with
        {
            Headers = new Dictionary<string, string>
            {
                ["Client-Id"] = app.ClientId, ["Request-Id"] = requestId, ["Request-Timestamp"] = stamp, ["Signature"] = decodedSignature,
            },
        };

        foreach (var request in new[] { encoded, decoded })
        {
            using var message = request.ToHttpRequestMessage(app.BaseAddress);
            using var response = await app.Http.SendAsync(message, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(2, handled.Count);
    }

    /// <summary>
    /// A key rotation with no notification refused: the merchant's site runs with the new key and the previous one, so
    /// what the gateway still signs with the old key (until told the site checks with the new one) verifies, and so does
    /// what it signs with the new key after. A site given the new key alone refuses the old key's signature.
    /// </summary>
    [Fact]
    public async Task DuringAKeyRotationASiteWithBothKeysHandlesNotificationsSignedWithEither()
    {
        var handled = new ConcurrentQueue<PaymentNotification>();
        void Map(WebApplication a) => a.MapTunaiNotifications(Path, (n, ct) =>
        {
            handled.Enqueue(n);
            return Task.CompletedTask;
        });
        await using var gateway = await GatewayHost.StartAsync();
        await using var before = await MerchantApp.StartAsync(Map);
        var merchant = await before.RegisterAsync(gateway, notificationPath: Path);
        var store = await TestStore.CreateAsync(gateway);
        using var rotation = await gateway.Admin.PostAsync($"/admin/v1/merchants/{merchant.ClientId}/secret-keys", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, rotation.StatusCode);
        var newKey = (string)GatewayHost.Json(await rotation.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))["secret_key"]!;
        await using var site = await MerchantApp.StartAsync(Map, credentials: (merchant.ClientId, newKey, before.SecretKey));
        await using var newKeyOnly = await MerchantApp.StartAsync(Map, credentials: (merchant.ClientId, newKey, null));
        using (var moved = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{merchant.ClientId}",
            new { notification_url = new Uri(site.BaseAddress, Path).ToString() }, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        }

        async Task PaidAndHandledAsync(string label)
        {
            var (code, _) = await merchant.CreateCodeAsync();
            Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);
            await Eventually.WaitAsync(() => handled.Any(n => n.PaymentCode == code), $"the notification {label} to be handled");
            // Delivered at its first attempt: nothing was refused and retried.
            var row = await Eventually.WaitAsync(() => gateway.RowAsync(
                "SELECT n.status, n.attempts FROM notifications n JOIN payments p ON p.id = n.payment_id WHERE p.code = @c", ("c", code)),
                r => (string?)r["status"] != "PENDING", $"the notification {label} to be recorded");
            Assert.Equal(("DELIVERED", 1L), ((string?)row["status"], Convert.ToInt64(row["attempts"], System.Globalization.CultureInfo.InvariantCulture)));
        }

        await PaidAndHandledAsync("signed with the old key");
        var signedWithOld = TunaiTestSignatures.Notification(merchant.ClientId, before.SecretKey, "INV-OLD", 150000, "8896512345678123", path: Path);
        using (var refused = await newKeyOnly.Http.SendAsync(signedWithOld.ToHttpRequestMessage(newKeyOnly.BaseAddress), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        using (var ready = await gateway.Admin.PostAsync($"/admin/v1/merchants/{merchant.ClientId}/secret-keys/sign-with-new", null, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }
        await PaidAndHandledAsync("signed with the new key");
    }
}

/// <summary>
/// MapTunaiDirectInquiry answering a real gateway: the store inquires a code the gateway does not know, the
/// gateway's DirectInquiryClient asks this app and checks its signed answer before passing it on.
/// </summary>
public sealed class DirectInquiryEndpointTests : IAsyncLifetime
{
    private const string Path = "/payments/inquiry";
    private GatewayHost _gateway = null!;
    private TestStore _store = null!;
    private MerchantApp _app = null!;
    private TestMerchant _merchant = null!;
    private Func<DirectInquiryRequest, DirectInquiryResult> _answer = _ => DirectInquiryResult.NotFound();
    private readonly ConcurrentQueue<DirectInquiryRequest> _asked = new();

    public async ValueTask InitializeAsync()
    {
        _gateway = await GatewayHost.StartAsync();
        _store = await TestStore.CreateAsync(_gateway);
        _app = await MerchantApp.StartAsync(app => app.MapTunaiDirectInquiry(Path, (r, ct) =>
        {
            _asked.Enqueue(r);
            return Task.FromResult(_answer(r));
        }));
        _merchant = await _app.RegisterAsync(_gateway, inquiryPath: Path);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _gateway.DisposeAsync();
    }

    private string NewCode() =>
        _merchant.CodePrefix + string.Concat(Enumerable.Range(0, 16 - _merchant.CodePrefix.Length).Select(_ => (char)('0' + Random.Shared.Next(10))));

    [Fact]
    public async Task ASuccessBillIsAcceptedByTheGatewayAndPayable()
    {
        var code = NewCode();
        var extra = JsonSerializer.SerializeToElement(new { order_ref = "SO-9" });
        _answer = r => DirectInquiryResult.Success("INV-DI-1", 88000, "Taufik Ismail", "taufik@example.com", "Thanks", extra);

        var inquiry = await _store.InquiryAsync(code, "TRX-DI-1");

        Assert.True(inquiry.Status == HttpStatusCode.OK, inquiry.Body);
        Assert.Equal("success", TestStore.StatusOf(inquiry));
        Assert.Equal(88000, (long)inquiry.Json["order"]!["amount"]!);
        var asked = Assert.Single(_asked);
        Assert.Equal(code, asked.PaymentCode);
        Assert.Equal("TRX-DI-1", asked.Identifier("AGENT_TRX_ID"));
        Assert.Equal(HttpStatusCode.OK, (await _store.PayAsync(code, 88000)).Status);
    }

    [Fact]
    public async Task ABillWithInsuranceDataAndAFooterReachesTheTillsScreenAndReceipt()
    {
        var code = NewCode();
        var insured = JsonSerializer.SerializeToElement(new { insurance_info = new { policy_type = "Dana Pendidikan", policy_number = "9090901234" } });
        _answer = r => DirectInquiryResult.Success("INV-DI-2", 88000, "Taufik Ismail", info: "Premi bulan ini", additionalInfo: insured)
            .WithFooterMessage("Call Center 021 555-0525");

        var inquiry = await _store.InquiryAsync(code);
        var paid = await _store.PayAsync(code, 88000);

        foreach (var answer in new[] { inquiry, paid })
        {
            Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
            Assert.Equal("9090901234", (string?)answer.Json["additional_info"]!["insurance_info"]!["policy_number"]);
            Assert.Equal("Call Center 021 555-0525", (string?)answer.Json["alfa_info"]!["receipt"]!["footer_message"]);
        }
    }

    public static TheoryData<string> Refusals => ["billing_not_found", "billing_already_paid", "billing_was_expired", "decline"];

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task EachRefusalReachesTheStoreWithTheMerchantsWords(string status)
    {
        _answer = _ => status switch
        {
            "billing_not_found" => DirectInquiryResult.NotFound("no such bill"),
            "billing_already_paid" => DirectInquiryResult.AlreadyPaid("no such bill"),
            "billing_was_expired" => DirectInquiryResult.Expired("no such bill"),
            _ => DirectInquiryResult.Decline("no such bill"),
        };

        var inquiry = await _store.InquiryAsync(NewCode());

        // A made-up decline (bad signature, wrong HTTP status) would carry the gateway's reason instead.
        Assert.Equal(status, TestStore.StatusOf(inquiry));
        Assert.Equal("no such bill", (string?)inquiry.Json["online_to_offline_inquiry"]!["message"]);
    }

    [Fact]
    public async Task AnInquiryWithABadSignatureIsAnswered401AndNotHandled()
    {
        var forged = TunaiTestSignatures.DirectInquiry(_app.ClientId, "SK-wrong", NewCode(), Path);
        using var message = forged.ToHttpRequestMessage(_app.BaseAddress);

        using var response = await _app.Http.SendAsync(message, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_signature", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Empty(_asked);
    }

    [Fact]
    public async Task TheAnswerToATestInquiryIsSignedAsTheGatewayChecksIt()
    {
        _answer = _ => DirectInquiryResult.Success("INV-DI-2", 1000, "Siti");
        var request = TunaiTestSignatures.DirectInquiry(_app.ClientId, _app.SecretKey, NewCode(), Path);
        using var message = request.ToHttpRequestMessage(_app.BaseAddress);

        using var response = await _app.Http.SendAsync(message, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(TunaiTestSignatures.IsSignedResponse(request, _app.SecretKey,
            name => response.Headers.TryGetValues(name, out var v) ? v.Single() : null, body));
    }
}

/// <summary>The provider's signature vectors (tests/fixtures/signature-vectors.json, computed by its official Node.js library).</summary>
public sealed class SignatureVectorTests
{
    public static TheoryData<string> Names => [.. SignatureVectors.All.Select(v => v.Name)];

    private static IReadOnlyList<SignatureVector> Load() => SignatureVectors.All;

    [Theory]
    [MemberData(nameof(Names))]
    public void TestSignaturesReproduceTheVector(string name)
    {
        var v = Load().Single(x => x.Name == name);

        var signed = TunaiTestSignatures.Sign(v.ClientId, v.SecretKey, v.Target, Encoding.UTF8.GetBytes(v.Body),
            DateTimeOffset.Parse(v.Timestamp, System.Globalization.CultureInfo.InvariantCulture), v.RequestId);

        Assert.Equal(v.Signature, signed.Headers["Signature"]);
        Assert.Equal(v.Timestamp, signed.Headers["Request-Timestamp"]);
    }

    [Fact]
    public void TheVectorsNotificationVerifiesAndParsesAtItsOwnTime()
    {
        var v = Load().Single(x => x.Target == "/payments/notifications");
        var clock = new FakeTimeProvider(DateTimeOffset.Parse(v.Timestamp, System.Globalization.CultureInfo.InvariantCulture).AddSeconds(30));
        var verifier = new NotificationVerifier(v.ClientId, v.SecretKey, time: clock);
        var headers = new Dictionary<string, string> { ["client-id"] = v.ClientId, ["request-id"] = v.RequestId, ["request-timestamp"] = v.Timestamp, ["signature"] = v.Signature };

        var result = verifier.Verify(headers, Encoding.UTF8.GetBytes(v.Body), v.Target);

        Assert.True(result.IsValid, result.Detail);
        Assert.Equal(("INV-20210125-0001", 150000L, "8896512345678123"), (result.Value!.InvoiceNumber, result.Value.Order.Amount, result.Value.PaymentCode));
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(RejectionReason.StaleTimestamp, verifier.Verify(headers, Encoding.UTF8.GetBytes(v.Body), v.Target).Rejection);
    }
}
