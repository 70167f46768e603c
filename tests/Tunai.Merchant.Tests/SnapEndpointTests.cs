using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Merchant.AspNetCore;
using Tunai.Merchant.Snap;
using Tunai.Signing;

namespace Tunai.Merchant.Tests;

/// <summary>
/// A merchant's site with the SNAP endpoints on Kestrel (127.0.0.1, port 0), on a clock the test moves, and the
/// gateway's side of the conversation built with Tunai.Signing as the gateway builds it: the gateway's own RSA key
/// for the token request, the merchant's secret for the HMAC-SHA512 transaction signature.
/// </summary>
public sealed class SnapMerchantSite : IAsyncDisposable
{
    public const string TokenPath = "/snap/v1.0/access-token/b2b";
    public const string PaymentPath = "/snap/v1.1/transfer-va/payment";
    public const string InquiryPath = "/snap/v1.1/transfer-va/inquiry";

    private readonly WebApplication _app;

    private SnapMerchantSite(WebApplication app) => _app = app;

    public HttpClient Http { get; private init; } = null!;

    public FakeTimeProvider Time { get; private init; } = null!;

    public string ClientId { get; private init; } = "";

    public string SecretKey { get; private init; } = "";

    /// <summary>The gateway's key pair: its private half signs token requests, the site knows the public half.</summary>
    public RSA GatewayKey { get; private init; } = null!;

    public ConcurrentQueue<SnapPaymentNotification> Paid { get; } = new();

    public bool Fail { get; set; }

    public static async Task<SnapMerchantSite> StartAsync(string? clientId = null, string? secretKey = null, RSA? gatewayKey = null, FakeTimeProvider? time = null,
        string? previousSecretKey = null)
    {
        clientId ??= "MCH-SNAP-" + Guid.NewGuid().ToString("N")[..12];
        secretKey ??= "SK-" + Guid.NewGuid().ToString("N");
        gatewayKey ??= RSA.Create(2048);
        time ??= new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var merchantKey = RSA.Create(2048);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddTunaiSnap(o =>
        {
            o.BaseUrl = "http://127.0.0.1:1";
            o.ClientId = clientId;
            o.SecretKey = secretKey;
            o.PreviousSecretKey = previousSecretKey;
            o.PartnerServiceId = "88965";
            o.PrivateKey = merchantKey.ExportPkcs8PrivateKeyPem();
            o.GatewayPublicKey = gatewayKey.ExportSubjectPublicKeyInfoPem();
        });
        var app = builder.Build();
        SnapMerchantSite? site = null;
        app.MapTunaiSnapToken(TokenPath);
        app.MapTunaiSnapPayment(PaymentPath, (n, ct) =>
        {
            if (site!.Fail)
            {
                throw new InvalidOperationException("the shop's database is down");
            }
            site.Paid.Enqueue(n);
            return Task.CompletedTask;
        });
        app.MapTunaiSnapInquiry(InquiryPath, (r, ct) => Task.FromResult(r.PaymentCode == "8896512345678901"
            ? SnapInquiryResult.Bill("INV-77", 150_000, "Anton Budiman")
            : SnapInquiryResult.NotFound()));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        site = new SnapMerchantSite(app)
        {
            Http = new HttpClient { BaseAddress = new Uri(address) },
            Time = time,
            ClientId = clientId,
            SecretKey = secretKey,
            GatewayKey = gatewayKey,
        };
        return site;
    }

    public string Now(TimeSpan? shift = null) => SnapSignature.FormatTimestamp(Time.GetUtcNow().Add(shift ?? TimeSpan.Zero).ToOffset(TimeSpan.FromHours(7)));

    /// <summary>The gateway's token request: X-CLIENT-KEY, X-TIMESTAMP and its RSA signature over <c>clientId|timestamp</c>.</summary>
    public async Task<SnapResponse> TokenRawAsync(RSA? key = null, string? clientId = null, string? timestamp = null, bool sign = true)
    {
        clientId ??= ClientId;
        timestamp ??= Now();
        using var request = new HttpRequestMessage(HttpMethod.Post, TokenPath)
        {
            Content = new StringContent("""{"grantType":"client_credentials"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(SnapHeaders.ClientKey, clientId);
        request.Headers.Add(SnapHeaders.Timestamp, timestamp);
        if (sign)
        {
            request.Headers.Add(SnapHeaders.Signature, SnapSignature.SignToken(key ?? GatewayKey, clientId, timestamp));
        }
        return await SnapResponse.ReadAsync(await Http.SendAsync(request));
    }

    public async Task<string> TokenAsync()
    {
        var response = await TokenRawAsync();
        response.AssertCode("2007300");
        return (string)response.Json["accessToken"]!;
    }

    /// <summary>A transaction as the gateway sends it: Bearer token, X-PARTNER-ID, X-EXTERNAL-ID, CHANNEL-ID, X-TIMESTAMP, HMAC-SHA512.</summary>
    public async Task<SnapResponse> SendAsync(string path, string body, string token, string? timestamp = null, string? secretKey = null, string? signedBody = null)
    {
        timestamp ??= Now();
        var (_, signature) = SnapSignature.SignTransaction(secretKey ?? SecretKey, "POST", path, token, Encoding.UTF8.GetBytes(signedBody ?? body), timestamp);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        request.Headers.Add(SnapHeaders.PartnerId, ClientId);
        request.Headers.Add(SnapHeaders.ExternalId, Guid.NewGuid().ToString("N"));
        request.Headers.Add(SnapHeaders.ChannelId, "ALFAMART");
        request.Headers.Add(SnapHeaders.Timestamp, timestamp);
        request.Headers.Add(SnapHeaders.Signature, signature);
        return await SnapResponse.ReadAsync(await Http.SendAsync(request));
    }

    /// <summary>A <c>transfer-va/payment</c> body as SNAP-NOTES section 3 shapes it, written as JSON.stringify would.</summary>
    public static string PaymentBody(string trxId = "INV-77", long amount = 150_000, string trxStatus = "PAID") => new JsonObject
    {
        ["partnerServiceId"] = "   88965",
        ["customerNo"] = "12345678901",
        ["virtualAccountNo"] = "   8896512345678901",
        ["virtualAccountName"] = "Anton Budiman",
        ["trxId"] = trxId,
        ["paymentRequestId"] = "PAY-" + Guid.NewGuid().ToString("N")[..12],
        ["channelCode"] = 6011,
        ["paidAmount"] = new JsonObject { ["value"] = $"{amount}.00", ["currency"] = "IDR" },
        ["totalAmount"] = new JsonObject { ["value"] = $"{amount}.00", ["currency"] = "IDR" },
        ["trxDateTime"] = "2026-12-07T11:43:40+07:00",
        ["referenceNo"] = "TRX-0001",
        ["flagAdvise"] = "N",
        ["additionalInfo"] = new JsonObject { ["channel"] = "ALFAMART", ["trxStatus"] = trxStatus },
    }.ToJsonString();

    public static string InquiryBody(string customerNo = "12345678901") => new JsonObject
    {
        ["partnerServiceId"] = "   88965",
        ["customerNo"] = customerNo,
        ["virtualAccountNo"] = "   88965" + customerNo,
        ["trxDateInit"] = "2026-12-07T11:43:40+07:00",
        ["channelCode"] = 6011,
        ["language"] = "ID",
        ["inquiryRequestId"] = "INQ-1",
        ["additionalInfo"] = new JsonObject { ["channel"] = "ALFAMART" },
    }.ToJsonString();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>
/// MapTunaiSnapToken, MapTunaiSnapPayment and MapTunaiSnapInquiry, each test on a site of its own: what the gateway
/// signs per the standard is accepted, anything else refused with its code.
/// </summary>
public sealed class SnapEndpointTests : IAsyncLifetime
{
    private SnapMerchantSite _site = null!;

    public async ValueTask InitializeAsync() => _site = await SnapMerchantSite.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _site.DisposeAsync();
        _site.GatewayKey.Dispose();
    }

    [Fact]
    public async Task TheGatewaysSignedRequestGetsABearerTokenForNineHundredSecondsAsANumber()
    {
        var response = await _site.TokenRawAsync();

        response.AssertCode("2007300");
        Assert.Equal("Bearer", (string)response.Json["tokenType"]!);
        Assert.Equal(System.Text.Json.JsonValueKind.Number, response.Json["expiresIn"]!.GetValueKind());
        Assert.Equal(900, (int)response.Json["expiresIn"]!);
        Assert.False(string.IsNullOrEmpty((string?)response.Json["accessToken"]));
    }

    [Fact]
    public async Task AnotherKeyAnUnknownClientOrAStaleTimestampIsRefusedWith4017300()
    {
        using var other = RSA.Create(2048);
        (await _site.TokenRawAsync(key: other)).AssertCode("4017300");
        (await _site.TokenRawAsync(clientId: "MCH-SOMEONE-ELSE")).AssertCode("4017300");
        (await _site.TokenRawAsync(timestamp: _site.Now(TimeSpan.FromMinutes(-6)))).AssertCode("4017300");
    }

    [Fact]
    public async Task AMissingSignatureOrAMalformedTimestampIsABadRequest()
    {
        (await _site.TokenRawAsync(sign: false)).AssertCode("4007302");
        (await _site.TokenRawAsync(timestamp: "2026-12-07 11:43:40")).AssertCode("4007301");
    }

    [Fact]
    public async Task ASignedPaymentIsHandledAndAnswered2002500()
    {
        var token = await _site.TokenAsync();

        var response = await _site.SendAsync(SnapMerchantSite.PaymentPath, SnapMerchantSite.PaymentBody(), token);

        response.AssertCode("2002500");
        Assert.Equal("00", (string)response.Json["virtualAccountData"]!["paymentFlagStatus"]!);
        Assert.Equal("   8896512345678901", (string)response.Json["virtualAccountData"]!["virtualAccountNo"]!);
        var n = Assert.Single(_site.Paid);
        Assert.Equal(("8896512345678901", "INV-77", 150_000L, "TRX-0001"), (n.PaymentCode, n.TrxId, n.PaidAmount!.Rupiah, n.ReferenceNo));
        Assert.Equal(32, n.ExternalId.Length);
        Assert.Equal("ALFAMART", n.AdditionalInfo!.Value.GetProperty("channel").GetString());
        Assert.Equal(("PAID", false), (n.TrxStatus, n.IsReversal));
    }

    [Fact]
    public async Task AReversalIsHandledAsOne()
    {
        var response = await _site.SendAsync(SnapMerchantSite.PaymentPath, SnapMerchantSite.PaymentBody(trxStatus: "REVERSED"), await _site.TokenAsync());

        response.AssertCode("2002500");
        Assert.True(Assert.Single(_site.Paid).IsReversal);
    }

    [Fact]
    public async Task AWrongSignatureIsRefusedWith4012500AndNotHandled()
    {
        var token = await _site.TokenAsync();
        var body = SnapMerchantSite.PaymentBody();

        (await _site.SendAsync(SnapMerchantSite.PaymentPath, body, token, secretKey: "SK-not-the-merchants")).AssertCode("4012500");
        (await _site.SendAsync(SnapMerchantSite.PaymentPath, body, token, signedBody: body.Replace("150000", "1500", StringComparison.Ordinal))).AssertCode("4012500");
        (await _site.SendAsync(SnapMerchantSite.InquiryPath, SnapMerchantSite.InquiryBody(), token, secretKey: "SK-not-the-merchants")).AssertCode("4012400");
        Assert.Empty(_site.Paid);
    }

    [Fact]
    public async Task AnUnknownOrExpiredTokenIsRefusedWith4012501()
    {
        var body = SnapMerchantSite.PaymentBody();
        (await _site.SendAsync(SnapMerchantSite.PaymentPath, body, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.forged")).AssertCode("4012501");
        // A token another merchant's site issued (another secret) is unknown here.
        await using var other = await SnapMerchantSite.StartAsync(clientId: _site.ClientId, gatewayKey: _site.GatewayKey, time: _site.Time);
        (await _site.SendAsync(SnapMerchantSite.PaymentPath, body, await other.TokenAsync())).AssertCode("4012501");

        var token = await _site.TokenAsync();
        _site.Time.Advance(TimeSpan.FromSeconds(901));
        (await _site.SendAsync(SnapMerchantSite.PaymentPath, body, token)).AssertCode("4012501");
        Assert.Empty(_site.Paid);
    }

    [Fact]
    public async Task AStaleTimestampIsRefusedWith4012500()
    {
        var token = await _site.TokenAsync();

        (await _site.SendAsync(SnapMerchantSite.PaymentPath, SnapMerchantSite.PaymentBody(), token, timestamp: _site.Now(TimeSpan.FromMinutes(-6)))).AssertCode("4012500");
        (await _site.SendAsync(SnapMerchantSite.PaymentPath, SnapMerchantSite.PaymentBody(), token, timestamp: "yesterday")).AssertCode("4002501");
        Assert.Empty(_site.Paid);
    }

    [Fact]
    public async Task ATokenIssuedByOneInstanceOfTheSiteIsAcceptedByAnother()
    {
        await using var twin = await SnapMerchantSite.StartAsync(_site.ClientId, _site.SecretKey, _site.GatewayKey, _site.Time);

        (await _site.SendAsync(SnapMerchantSite.PaymentPath, SnapMerchantSite.PaymentBody(), await twin.TokenAsync())).AssertCode("2002500");
    }

    /// <summary>
    /// A key rotation: the site restarted with the new key and the old one accepts what the gateway still signs with the
    /// old key, under a token the site issued before (the gateway keeps it until it expires), and what it signs with the
    /// new one; it issues new tokens under the new key. A site given the new key alone refuses both of the old key's.
    /// </summary>
    [Fact]
    public async Task DuringAKeyRotationASiteWithBothKeysAcceptsTheOldKeysSignaturesAndTokens()
    {
        var oldToken = await _site.TokenAsync();
        var newKey = "SK-" + Guid.NewGuid().ToString("N");
        await using var rotated = await SnapMerchantSite.StartAsync(_site.ClientId, newKey, _site.GatewayKey, _site.Time, previousSecretKey: _site.SecretKey);
        await using var newKeyOnly = await SnapMerchantSite.StartAsync(_site.ClientId, newKey, _site.GatewayKey, _site.Time);
        var body = SnapMerchantSite.PaymentBody();

        (await rotated.SendAsync(SnapMerchantSite.PaymentPath, body, oldToken, secretKey: _site.SecretKey)).AssertCode("2002500");
        var newToken = await rotated.TokenAsync();
        (await rotated.SendAsync(SnapMerchantSite.PaymentPath, body, newToken, secretKey: newKey)).AssertCode("2002500");
        Assert.Equal(2, rotated.Paid.Count);

        (await newKeyOnly.SendAsync(SnapMerchantSite.PaymentPath, body, newToken, secretKey: _site.SecretKey)).AssertCode("4012500");
        (await newKeyOnly.SendAsync(SnapMerchantSite.PaymentPath, body, oldToken, secretKey: newKey)).AssertCode("4012501");
        (await newKeyOnly.SendAsync(SnapMerchantSite.PaymentPath, body, newToken, secretKey: newKey)).AssertCode("2002500");
        Assert.Single(newKeyOnly.Paid);
    }

    [Fact]
    public async Task AFailingHandlerIsAnswered5002501SoTheGatewayRetries()
    {
        _site.Fail = true;

        (await _site.SendAsync(SnapMerchantSite.PaymentPath, SnapMerchantSite.PaymentBody(), await _site.TokenAsync())).AssertCode("5002501");
    }

    [Fact]
    public async Task AnInquiryIsAnsweredWithTheBillOrNotFound()
    {
        var token = await _site.TokenAsync();

        var bill = await _site.SendAsync(SnapMerchantSite.InquiryPath, SnapMerchantSite.InquiryBody(), token);
        bill.AssertCode("2002400");
        var data = bill.Json["virtualAccountData"]!;
        Assert.Equal(("00", "INV-77", "150000.00", "INQ-1"),
            ((string)data["inquiryStatus"]!, (string)data["trxId"]!, (string)data["totalAmount"]!["value"]!, (string)data["inquiryRequestId"]!));
        Assert.Equal("Anton Budiman", (string)data["virtualAccountName"]!);
        AssertSignedAnswer(bill, token);

        var unknown = await _site.SendAsync(SnapMerchantSite.InquiryPath, SnapMerchantSite.InquiryBody("99999999999"), token);
        unknown.AssertCode("4042412");
        AssertSignedAnswer(unknown, token);
    }

    /// <summary>The answer is signed as the request was: HMAC-SHA512 over POST, the path, the token, the answer's hash and its X-TIMESTAMP.</summary>
    private void AssertSignedAnswer(SnapResponse answer, string token)
    {
        var timestamp = answer.Headers[SnapHeaders.Timestamp];
        var expected = SnapSignature.TransactionStringToSign("POST", SnapMerchantSite.InquiryPath, token,
            SnapSignature.BodyHash(Encoding.UTF8.GetBytes(answer.Body)), timestamp);
        Assert.True(SnapSignature.VerifyTransaction(_site.SecretKey, expected, answer.Headers[SnapHeaders.Signature]), "the inquiry answer's X-SIGNATURE");
        Assert.True(SnapSignature.TryParseTimestamp(timestamp, out _));
    }
}
