using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Signing;

namespace Tunai.Gateway.Tests.DirectInquiry;

/// <summary>One gateway and one store system shared by the direct-inquiry tests; each test has its own merchant.</summary>
public sealed class DirectInquiryFixture : IAsyncLifetime
{
    public GatewayHost Gateway { get; private set; } = null!;

    public TestStore Store { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Gateway = await GatewayHost.StartAsync();
        Store = await TestStore.CreateAsync(Gateway);
    }

    public async ValueTask DisposeAsync() => await Gateway.DisposeAsync();
}

/// <summary>
/// A store inquires a code the gateway does not know; the gateway asks the merchant's Inquiry URL (a real
/// Kestrel endpoint) and passes its verified answer on, or declines when the answer cannot be trusted.
/// </summary>
public sealed class DirectInquiryTests(DirectInquiryFixture fixture) : IClassFixture<DirectInquiryFixture>
{
    private GatewayHost Gateway => fixture.Gateway;

    private TestStore Store => fixture.Store;

    private static string NewCode(string prefix) =>
        prefix + string.Concat(Enumerable.Range(0, 16 - prefix.Length).Select(_ => (char)('0' + Random.Shared.Next(10))));

    private async Task<(MerchantEndpoint Endpoint, string Code)> MerchantAsync(Func<MerchantCall, MerchantReply>? handler = null)
    {
        var endpoint = await MerchantEndpoint.StartAsync();
        if (handler is not null)
        {
            endpoint.Handler = handler;
        }
        var merchant = await endpoint.RegisterAsync(Gateway);
        return (endpoint, NewCode(merchant.CodePrefix));
    }

    /// <summary>A decline the gateway made up, with a reason naming what was wrong.</summary>
    private static void AssertDeclined(ApiResponse response, string because)
    {
        Assert.True(response.Status == HttpStatusCode.BadRequest, $"expected 400 decline, got {(int)response.Status}: {response.Body}");
        Assert.Equal("decline", TestStore.StatusOf(response));
        Assert.Contains(because, (string?)response.Json["online_to_offline_inquiry"]!["message"] ?? "", StringComparison.Ordinal);
        Assert.Null(response.Json["order"]);
    }

    [Fact]
    public async Task MerchantReceivesACorrectlySignedInquiryWithTheStoresIdentifiers()
    {
        var (endpoint, code) = await MerchantAsync();
        await using var running = endpoint;

        var response = await Store.InquiryAsync(code, "TRX-1246");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var call = Assert.Single(endpoint.CallsTo(MerchantEndpoint.InquiryPath));
        Assert.True(call.SignatureValid, "the gateway's signature does not verify with the merchant's secret");
        Assert.Equal(MerchantEndpoint.InquiryPath, call.Path);
        Assert.Equal(endpoint.ClientId, call.Headers["Client-Id"]);
        Assert.True(Guid.TryParse(call.Headers["Request-Id"], out _), call.Headers["Request-Id"]);
        Assert.Equal(Signature.FormatTimestamp(Gateway.Time.GetUtcNow()), call.Headers["Request-Timestamp"]);
        Assert.StartsWith("application/json", call.Headers["Content-Type"], StringComparison.Ordinal);
        // acquirer.id is the channel's (ALFA), whatever code the connection the store signed with has (ALFA2).
        Assert.NotEqual("ALFA", Store.AcquirerId);
        var expected = JsonNode.Parse(
            $$$"""
            {"service":{"id":"ONLINE_TO_OFFLINE"},"acquirer":{"id":"ALFA"},"channel":{"id":"ONLINE_TO_OFFLINE_ALFA"},
             "online_to_offline_info":{"payment_code":"{{{code}}}"},
             "online_to_offline_inquiry":{"date":"2026-11-23T03:15:00Z","identifier":[
               {"name":"AGENT_ID","value":"ALFAMART"},{"name":"AGENT_STORE_ID","value":"TZ01"},
               {"name":"AGENT_TERMINAL_ID","value":"POS-02"},{"name":"AGENT_TRX_ID","value":"TRX-1246"}]}}
            """);
        Assert.True(JsonNode.DeepEquals(expected, call.Json), call.Json.ToJsonString());
    }

    /// <summary>
    /// The sandbox's test clock moves the gateway's business time, not the time its signatures carry: a merchant
    /// checks Request-Timestamp against its own clock, and the gateway checks the answer's against the wall clock.
    /// </summary>
    [Fact]
    public async Task ForwardedInquiryCarriesTheWallClockWhileTheSandboxTestClockIsMoved()
    {
        var (endpoint, code) = await MerchantAsync();
        await using var running = endpoint;
        var clock = Gateway.Services.GetRequiredService<Tunai.Gateway.Clock.SandboxClock>();
        var database = Gateway.Services.GetRequiredService<Tunai.Gateway.Storage.Database>();
        async Task MoveAsync(TimeSpan offset) => await database.WriteAsync(async unit =>
        {
            Assert.Null(await clock.MoveAsync(unit, offset == TimeSpan.Zero ? null : Gateway.Time.GetUtcNow() + offset,
                new Tunai.Gateway.Audit.AuditActor("test", "Admin", null, null), "forward"));
            unit.Commit();
            return 0;
        });
        await MoveAsync(TimeSpan.FromHours(3));
        try
        {
            Assert.Equal(Gateway.Time.GetUtcNow().AddHours(3), clock.GetUtcNow());
            var response = await Store.InquiryAsync(code);

            Assert.True(response.Status == HttpStatusCode.OK, response.Body);
            var call = Assert.Single(endpoint.CallsTo(MerchantEndpoint.InquiryPath));
            Assert.Equal(Signature.FormatTimestamp(Gateway.Time.GetUtcNow()), call.Headers["Request-Timestamp"]);
        }
        finally
        {
            await MoveAsync(TimeSpan.Zero);
        }
    }

    [Fact]
    public async Task QueryStringOfTheInquiryUrlIsSentButNotSigned()
    {
        await using var endpoint = await MerchantEndpoint.StartAsync();
        var merchant = await endpoint.RegisterAsync(Gateway, endpoint.InquiryUrl + "?shop=7");

        var response = await Store.InquiryAsync(NewCode(merchant.CodePrefix));

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var call = Assert.Single(endpoint.CallsTo(MerchantEndpoint.InquiryPath));
        Assert.Equal("?shop=7", call.QueryString);
        Assert.True(call.SignatureValid, "Request-Target must be the path without the query string");
    }

    [Fact]
    public async Task SuccessGivesTheStoreTheMerchantsBillAndOnlyThatAmountCanBePaid()
    {
        var (endpoint, code) = await MerchantAsync();
        await using var _ = endpoint;

        var inquiry = await Store.InquiryAsync(code);

        Assert.Equal(HttpStatusCode.OK, inquiry.Status);
        Store.AssertSigned(inquiry);
        var json = inquiry.Json;
        Assert.Equal("success", TestStore.StatusOf(inquiry));
        Assert.Equal("MINV20201231468", (string?)json["order"]!["invoice_number"]);
        Assert.Equal(150000, (long)json["order"]!["amount"]!);
        Assert.Equal(code, (string?)json["online_to_offline_info"]!["payment_code"]);
        Assert.Equal("Thanks for shopping", (string?)json["online_to_offline_info"]!["info"]);
        Assert.Equal("Taufik Ismail", (string?)json["customer"]!["name"]);

        var wrongAmount = await Store.PayAsync(code, 140000);
        Assert.Equal(HttpStatusCode.BadRequest, wrongAmount.Status);
        Assert.Equal("decline", TestStore.StatusOf(wrongAmount));

        var paid = await Store.PayAsync(code, 150000);
        Assert.True(paid.Status == HttpStatusCode.OK, paid.Body);
        Assert.Equal("success", TestStore.StatusOf(paid));
        Assert.Equal("MINV20201231468", (string?)paid.Json["order"]!["invoice_number"]);

        var again = await Store.PayAsync(code, 140000);
        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        Assert.NotEqual("success", TestStore.StatusOf(again));
        Assert.Single(endpoint.CallsTo(MerchantEndpoint.InquiryPath));
    }

    [Fact]
    public async Task MerchantsAdditionalInfoIsKeptOnTheCodeAndThePayment()
    {
        var (endpoint, code) = await MerchantAsync();
        await using var _ = endpoint;

        Assert.Equal(HttpStatusCode.OK, (await Store.InquiryAsync(code)).Status);
        var row = await Gateway.RowAsync("SELECT kind, invoice_number, amount, customer_email, additional_info FROM payment_codes WHERE code = @code", ("@code", code));
        Assert.Equal("DIPC", row["kind"]);
        Assert.Equal("MINV20201231468", row["invoice_number"]);
        Assert.Equal(150000L, row["amount"]);
        Assert.Equal("taufik@example.com", row["customer_email"]);
        var expected = MerchantReply.Bill(code)["additional_info"];
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse((string)row["additional_info"]!)), (string?)row["additional_info"]);

        Assert.Equal(HttpStatusCode.OK, (await Store.PayAsync(code, 150000)).Status);
        var payment = await Gateway.RowAsync("SELECT additional_info FROM payments WHERE code = @code", ("@code", code));
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse((string)payment["additional_info"]!)), (string?)payment["additional_info"]);
    }

    /// <summary>
    /// The merchant's answer carries insurance data and a footer message, as the reference's insurance feature
    /// shows for generated codes: they reach the till's screen, the receipt and the notification alike.
    /// </summary>
    [Fact]
    public async Task InsuranceInfoAndFooterOfTheMerchantsAnswerReachScreenReceiptAndNotification()
    {
        var (endpoint, code) = await MerchantAsync(call =>
        {
            var bill = MerchantReply.Bill((string)call.Json["online_to_offline_info"]!["payment_code"]!);
            bill["additional_info"] = new JsonObject { ["insurance_info"] = new JsonObject { ["policy_type"] = "Dana Pendidikan", ["policy_number"] = "9090901234" } };
            bill["alfa_info"] = new JsonObject { ["receipt"] = new JsonObject { ["footer_message"] = "Call Center 021 555-0525" } };
            bill["online_to_offline_info"]!["info2"] = "Polis aktif";
            return new MerchantReply(200, bill.ToJsonString());
        });
        await using var _ = endpoint;

        var inquiry = await Store.InquiryAsync(code);
        Assert.Equal("9090901234", (string?)inquiry.Json["additional_info"]!["insurance_info"]!["policy_number"]);
        Assert.Equal("Call Center 021 555-0525", (string?)inquiry.Json["alfa_info"]!["receipt"]!["footer_message"]);
        Assert.Equal("Polis aktif", (string?)inquiry.Json["online_to_offline_info"]!["info2"]);

        var paid = await Store.PayAsync(code, 150000);
        Assert.Equal(HttpStatusCode.OK, paid.Status);
        Assert.Equal("Dana Pendidikan", (string?)paid.Json["additional_info"]!["insurance_info"]!["policy_type"]);
        Assert.Equal("Call Center 021 555-0525", (string?)paid.Json["alfa_info"]!["receipt"]!["footer_message"]);

        await Eventually.WaitAsync(() => endpoint.CallsTo(MerchantEndpoint.NotificationPath).Count > 0, "the payment's notification");
        var notification = endpoint.CallsTo(MerchantEndpoint.NotificationPath)[0].Json;
        Assert.Equal("9090901234", (string?)notification["additional_info"]!["insurance_info"]!["policy_number"]);
    }

    /// <summary>
    /// A direct-inquiry bill's notification names, as original_request_id, the Request-Id of the inquiry the
    /// gateway forwarded to the merchant (the call the merchant answered with that bill), not a made-up value.
    /// </summary>
    [Fact]
    public async Task NotificationOfADirectInquiryBillCarriesTheForwardedInquirysRequestId()
    {
        var (endpoint, code) = await MerchantAsync();
        await using var _ = endpoint;

        Assert.Equal(HttpStatusCode.OK, (await Store.InquiryAsync(code)).Status);
        var inquiryRequestId = Assert.Single(endpoint.CallsTo(MerchantEndpoint.InquiryPath)).Headers["Request-Id"];
        Assert.Equal(HttpStatusCode.OK, (await Store.PayAsync(code, 150000)).Status);

        await Eventually.WaitAsync(() => endpoint.CallsTo(MerchantEndpoint.NotificationPath).Count > 0, "the payment's notification");
        var notification = endpoint.CallsTo(MerchantEndpoint.NotificationPath)[0];
        Assert.True(notification.SignatureValid);
        Assert.Equal(inquiryRequestId, (string?)notification.Json["transaction"]!["original_request_id"]);
        Assert.Equal("ALFA", (string?)notification.Json["acquirer"]!["id"]);
    }

    [Fact]
    public async Task PaidBillIsNotReopenedByTheMerchantAnsweringItAgain()
    {
        // The merchant may not have had the payment's notification yet, so it can answer the same bill again.
        var (endpoint, code) = await MerchantAsync();
        await using var _ = endpoint;
        Assert.Equal(HttpStatusCode.OK, (await Store.InquiryAsync(code)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Store.PayAsync(code, 150000)).Status);

        var again = await Store.InquiryAsync(code);
        var secondPayment = await Store.PayAsync(code, 150000);

        Assert.Equal("billing_already_paid", TestStore.StatusOf(again));
        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        Assert.Equal("billing_already_paid", TestStore.StatusOf(secondPayment));
        Assert.Equal(1, await Gateway.CountAsync("SELECT COUNT(*) FROM payments WHERE code = @code", ("@code", code)));
    }

    [Fact]
    public async Task PaidCodeCanCarryTheMerchantsNextBill()
    {
        var invoice = "INV-1";
        var (endpoint, code) = await MerchantAsync(call =>
            new MerchantReply(200, MerchantReply.Bill((string)call.Json["online_to_offline_info"]!["payment_code"]!, invoice, 99000).ToJsonString()));
        await using var _ = endpoint;
        Assert.Equal(HttpStatusCode.OK, (await Store.InquiryAsync(code)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Store.PayAsync(code, 99000)).Status);

        invoice = "INV-2";
        var next = await Store.InquiryAsync(code);

        Assert.Equal(HttpStatusCode.OK, next.Status);
        Assert.Equal("INV-2", (string?)next.Json["order"]!["invoice_number"]);
        Assert.Equal(HttpStatusCode.OK, (await Store.PayAsync(code, 99000)).Status);
        Assert.Equal(2, await Gateway.CountAsync("SELECT COUNT(*) FROM payments WHERE code = @code", ("@code", code)));
    }

    [Theory]
    [InlineData("decline", 400)]
    [InlineData("billing_already_paid", 400)]
    [InlineData("billing_was_expired", 400)]
    [InlineData("billing_not_found", 404)]
    public async Task MerchantsRefusalIsPassedToTheStore(string status, int httpStatus)
    {
        var (endpoint, code) = await MerchantAsync(_ => MerchantReply.Refusal(status, httpStatus, "Order SO-77 says no"));
        await using var _ = endpoint;

        var response = await Store.InquiryAsync(code);

        Assert.Equal(httpStatus, (int)response.Status);
        Store.AssertSigned(response);
        Assert.Equal(status, TestStore.StatusOf(response));
        Assert.Equal("Order SO-77 says no", (string?)response.Json["online_to_offline_inquiry"]!["message"]);
        Assert.Equal(0, await Gateway.CountAsync("SELECT COUNT(*) FROM payment_codes WHERE code = @code", ("@code", code)));
    }

    [Fact]
    public async Task AnswerSignedWithAnotherKeyIsDeclined()
    {
        var (endpoint, code) = await MerchantAsync(call => MerchantReply.Success((string)call.Json["online_to_offline_info"]!["payment_code"]!) with { SecretKey = "not-the-merchants-secret" });
        await using var _ = endpoint;

        AssertDeclined(await Store.InquiryAsync(code), "wrong Signature");
        Assert.Equal(0, await Gateway.CountAsync("SELECT COUNT(*) FROM payment_codes WHERE code = @code", ("@code", code)));
    }

    /// <summary>
    /// The provider's official client libraries sign an answer with their one signing function, whose line says
    /// Request-Timestamp: such an answer is accepted as one signed as the reference describes.
    /// </summary>
    [Fact]
    public async Task AnswerSignedWithTheRequestTimestampLabelIsAccepted()
    {
        var (endpoint, code) = await MerchantAsync(call => MerchantReply.Success((string)call.Json["online_to_offline_info"]!["payment_code"]!) with { RequestTimestampLabel = true });
        await using var _ = endpoint;

        var response = await Store.InquiryAsync(code);

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        Assert.Equal("success", TestStore.StatusOf(response));
        Assert.Equal("MINV20201231468", (string?)response.Json["order"]!["invoice_number"]);
    }

    [Fact]
    public async Task AnswerWithTheRequestTimestampLabelButAnotherKeyIsDeclined()
    {
        var (endpoint, code) = await MerchantAsync(call => MerchantReply.Success((string)call.Json["online_to_offline_info"]!["payment_code"]!)
            with { RequestTimestampLabel = true, SecretKey = "SK-not-the-merchants" });
        await using var _ = endpoint;

        AssertDeclined(await Store.InquiryAsync(code), "wrong Signature");
        Assert.Equal(0, await Gateway.CountAsync("SELECT COUNT(*) FROM payment_codes WHERE code = @code", ("@code", code)));
    }

    [Fact]
    public async Task AnswerSignedOutsideTheTimeWindowIsDeclinedWhateverItsLabel()
    {
        foreach (var label in new[] { false, true })
        {
            var (endpoint, code) = await MerchantAsync(call => MerchantReply.Success((string)call.Json["online_to_offline_info"]!["payment_code"]!) with { RequestTimestampLabel = label });
            await using var _ = endpoint;
            endpoint.Clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Gateway.Time.GetUtcNow().AddMinutes(-10));

            AssertDeclined(await Store.InquiryAsync(code), "stale");
        }
    }

    /// <summary>
    /// An Inquiry URL whose path holds a space and a non-ASCII letter: the gateway signs the path as it travels
    /// (percent-encoded) and accepts the merchant's answer signed over that path or over the decoded one.
    /// </summary>
    [Fact]
    public async Task InquiryUrlWithEscapesIsSignedEncodedAndAnAnswerOverEitherPathFormIsAccepted()
    {
        foreach (var decoded in new[] { false, true })
        {
            var endpoint = await MerchantEndpoint.StartAsync();
            await using var _ = endpoint;
            endpoint.Handler = call => MerchantReply.Success((string)call.Json["online_to_offline_info"]!["payment_code"]!) with { DecodedTarget = decoded };
            var merchant = await endpoint.RegisterAsync(Gateway, inquiryUrl: new Uri(endpoint.BaseAddress, "/toko café/cek tagihan").ToString());
            var code = NewCode(merchant.CodePrefix);

            var response = await Store.InquiryAsync(code);

            Assert.True(response.Status == HttpStatusCode.OK, $"answer signed over the {(decoded ? "decoded" : "encoded")} path: {response.Body}");
            var call = Assert.Single(endpoint.Calls);
            Assert.Equal("/toko%20caf%C3%A9/cek%20tagihan", call.RawPath);
            Assert.True(call.SignatureValid, "the gateway signs the encoded path");
        }
    }

    [Fact]
    public async Task UnsignedAnswerIsDeclined()
    {
        var (endpoint, code) = await MerchantAsync(call => MerchantReply.Success((string)call.Json["online_to_offline_info"]!["payment_code"]!) with { Sign = false });
        await using var _ = endpoint;

        AssertDeclined(await Store.InquiryAsync(code), "not signed");
        Assert.Equal(0, await Gateway.CountAsync("SELECT COUNT(*) FROM payment_codes WHERE code = @code", ("@code", code)));
    }

    [Fact]
    public async Task MalformedJsonAnswerIsDeclined()
    {
        var (endpoint, code) = await MerchantAsync(_ => new MerchantReply(200, """{"online_to_offline_inquiry":{"status":"success"""));
        await using var _ = endpoint;

        AssertDeclined(await Store.InquiryAsync(code), "not JSON");
    }

    [Fact]
    public async Task SuccessWithoutCustomerNameIsDeclined()
    {
        var (endpoint, code) = await MerchantAsync(call =>
        {
            var bill = MerchantReply.Bill((string)call.Json["online_to_offline_info"]!["payment_code"]!);
            bill["customer"]!.AsObject().Remove("name");
            return new MerchantReply(200, bill.ToJsonString());
        });
        await using var _ = endpoint;

        AssertDeclined(await Store.InquiryAsync(code), "customer.name");
        Assert.Equal(0, await Gateway.CountAsync("SELECT COUNT(*) FROM payment_codes WHERE code = @code", ("@code", code)));
    }

    [Fact]
    public async Task SuccessForAnotherCodeIsDeclined()
    {
        var (endpoint, code) = await MerchantAsync(_ => MerchantReply.Success("8896512345678123"));
        await using var _ = endpoint;

        AssertDeclined(await Store.InquiryAsync(code), "another payment code");
    }

    [Fact]
    public async Task SuccessAnsweredWithAnErrorStatusIsDeclined()
    {
        var (endpoint, code) = await MerchantAsync(call =>
            MerchantReply.Success((string)call.Json["online_to_offline_info"]!["payment_code"]!) with { Status = 400 });
        await using var _ = endpoint;

        AssertDeclined(await Store.InquiryAsync(code), "HTTP 400 instead of 200");
    }

    [Fact]
    public async Task UnknownStatusIsDeclined()
    {
        var (endpoint, code) = await MerchantAsync(_ => MerchantReply.Refusal("maybe_later", 400));
        await using var _ = endpoint;

        AssertDeclined(await Store.InquiryAsync(code), "unknown status");
    }

    [Fact]
    public async Task MerchantRejectingTheGatewaysSignatureIsDeclined()
    {
        var (endpoint, code) = await MerchantAsync(_ => MerchantReply.Refusal("invalid_signature", 401) with { Sign = false });
        await using var _ = endpoint;

        AssertDeclined(await Store.InquiryAsync(code), "refused the gateway's signature");
    }

    [Fact]
    public async Task AnswerLargerThan64KiBIsDeclined()
    {
        var (endpoint, code) = await MerchantAsync(call =>
        {
            var bill = MerchantReply.Bill((string)call.Json["online_to_offline_info"]!["payment_code"]!);
            bill["additional_info"] = new JsonObject { ["padding"] = new string('x', 70 * 1024) };
            return new MerchantReply(200, bill.ToJsonString());
        });
        await using var _ = endpoint;

        AssertDeclined(await Store.InquiryAsync(code), "larger than 64 KiB");
    }

    [Fact]
    public async Task RedirectIsNotFollowed()
    {
        var (endpoint, code) = await MerchantAsync(_ => new MerchantReply(307, "{}"));
        await using var _ = endpoint;

        AssertDeclined(await Store.InquiryAsync(code), "redirect");
        Assert.Single(endpoint.CallsTo(MerchantEndpoint.InquiryPath));
    }

    [Fact]
    public async Task MerchantThatIsDownIsDeclined()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var endpoint = await MerchantEndpoint.StartAsync();
        var merchant = await endpoint.RegisterAsync(Gateway, $"http://127.0.0.1:{closedPort}{MerchantEndpoint.InquiryPath}");

        AssertDeclined(await Store.InquiryAsync(NewCode(merchant.CodePrefix)), "could not be reached");
    }

    [Fact]
    public async Task CodeUnderNoMerchantsPrefixIsNotFoundWithoutAskingAnyone()
    {
        var (endpoint, _) = await MerchantAsync();
        await using var __ = endpoint;

        // Prefixes never start with 0, so no merchant owns this code.
        var response = await Store.InquiryAsync("0999000011112222");

        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal("billing_not_found", TestStore.StatusOf(response));
        Assert.Empty(endpoint.Calls);
    }
}

/// <summary>A merchant slower than the timeout: its own gateway, configured with a short timeout.</summary>
public sealed class SlowMerchantTests
{
    [Fact]
    public async Task SlowMerchantIsDeclinedWithoutWaitingForIt()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:Store:DirectInquiryTimeout=00:00:00.500");
        var store = await TestStore.CreateAsync(gateway);
        await using var endpoint = await MerchantEndpoint.StartAsync();
        endpoint.Handler = call => MerchantReply.Success((string)call.Json["online_to_offline_info"]!["payment_code"]!) with { Delay = TimeSpan.FromSeconds(30) };
        var merchant = await endpoint.RegisterAsync(gateway);
        var code = (merchant.CodePrefix + "1234567890123456")[..16];

        var clock = Stopwatch.StartNew();
        var response = await store.InquiryAsync(code);
        clock.Stop();

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("decline", TestStore.StatusOf(response));
        Assert.Contains("did not answer within 0.5 s", (string?)response.Json["online_to_offline_inquiry"]!["message"] ?? "", StringComparison.Ordinal);
        Assert.Single(endpoint.CallsTo(MerchantEndpoint.InquiryPath));
        // Far below the merchant's 30 s: the gateway gave up at its timeout, not when the merchant answered.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the store waited {clock.Elapsed}");
        Assert.Equal(0, await gateway.CountAsync("SELECT COUNT(*) FROM payment_codes WHERE code = @code", ("@code", code)));
    }
}
