using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Tunai.Gateway.PaymentCodes;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Money;

namespace Tunai.Gateway.Tests.PaymentCodes;

public sealed class CreatePaymentCodeTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private TestMerchant Merchant => fixture.Merchant;

    /// <summary>
    /// tests/fixtures/reference-dgpc-request.json is the reference's first "sample of request body to generate payment
    /// code" (alfa-o2o-api.txt, DGPC), copied byte for byte: the customer's e-mail as the reference's page prints it
    /// ("[email protected]"), and an override_notification_url on another host than any the merchant configured
    /// (it has none). A fresh sandbox takes it from its own merchant.
    /// </summary>
    [Fact]
    public async Task TheReferencesDgpcSampleVerbatimSucceedsInAFreshSandbox()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var merchant = await gateway.SandboxMerchantAsync();
        Assert.Null((await gateway.RowAsync("SELECT notification_url FROM merchants WHERE client_id = $c", ("$c", merchant.ClientId)))["notification_url"]);
        var sample = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "fixtures", "reference-dgpc-request.json"), ct);
        Assert.Contains("\"override_notification_url\": \"https://another.example.com/payments/notifications\"", sample, StringComparison.Ordinal);

        var response = await merchant.SendAsync(HttpMethod.Post, "/alfa-virtual-account/v2/payment-code", sample);

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        response.AssertSignedBy(merchant);
        var code = (string)response.Json["online_to_offline_info"]!["payment_code"]!;
        Assert.StartsWith(merchant.CodePrefix, code, StringComparison.Ordinal);
        Assert.Equal("INV-20210124-0001", (string)response.Json["order"]!["invoice_number"]!);
        Assert.Equal("https://another.example.com/payments/notifications", (string)response.Json["additional_info"]!["override_notification_url"]!);
        var row = await gateway.RowAsync("SELECT override_notification_url, customer_email FROM payment_codes WHERE code = $c", ("$c", code));
        Assert.Equal("https://another.example.com/payments/notifications", row["override_notification_url"]);
        Assert.Equal("[email protected]", row["customer_email"]);
    }

    [Theory]
    [InlineData(TestMerchant.CreatePath)]
    [InlineData(TestMerchant.CreatePathVirtualAccount)]
    public async Task GatewayGeneratedCodeIsAnsweredAsTheReferenceShows(string path)
    {
        var body = TestMerchant.ValidCreate("INV-20210124-0001" + path.Length);
        var now = fixture.Gateway.Time.GetUtcNow();
        var response = await Merchant.CreateAsync(body, path: path);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        response.AssertSignedBy(Merchant);
        var json = response.Json;
        Assert.Equal("INV-20210124-0001" + path.Length, (string)json["order"]!["invoice_number"]!);
        var info = json["online_to_offline_info"]!;
        var code = (string)info["payment_code"]!;
        Assert.Equal(16, code.Length);
        Assert.StartsWith(Merchant.CodePrefix, code, StringComparison.Ordinal);
        Assert.True(CodeGenerator.HasValidLuhn(code), code);

        var created = DateTimeOffset.Parse((string)info["created_date_utc"]!, CultureInfo.InvariantCulture);
        var expired = DateTimeOffset.Parse((string)info["expired_date_utc"]!, CultureInfo.InvariantCulture);
        Assert.Equal(Tunai.Signing.Signature.FormatTimestamp(now), (string)info["created_date_utc"]!);
        Assert.Equal(TimeSpan.FromMinutes(60), expired - created);
        Assert.Equal(created.ToOffset(TimeSpan.FromHours(7)).ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture), (string)info["created_date"]!);
        Assert.Equal(expired.ToOffset(TimeSpan.FromHours(7)).ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture), (string)info["expired_date"]!);
        Assert.Matches($"^{fixture.Gateway.BaseAddress.ToString().TrimEnd('/')}/how-to-pay/v2/alfa-online-to-offline/{code}/[A-Za-z0-9_-]{{24}}$", (string)info["how_to_pay_page"]!);
        Assert.Matches($"/alfa-online-to-offline/v2/how-to-pay-api/{code}/[A-Za-z0-9_-]{{24}}$", (string)info["how_to_pay_api"]!);
        Assert.Null(json["additional_info"]);
    }

    [Fact]
    public async Task MerchantGeneratedCodeIsRegisteredAsGiven()
    {
        var code = Merchant.CodePrefix + "00000000000046";
        var body = TestMerchant.ValidCreate();
        ((Dictionary<string, object?>)body["online_to_offline_info"]!)["payment_code"] = code;
        var response = await Merchant.CreateAsync(body);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(code, (string)response.Json["online_to_offline_info"]!["payment_code"]!);
        var row = await fixture.Gateway.RowAsync("SELECT kind FROM payment_codes WHERE code = $c", ("$c", code));
        Assert.Equal("MGPC", row["kind"]);
    }

    [Fact]
    public async Task MerchantGeneratedCodeOfTwentyDigitsIsAcceptedAndTwentyOneIsNot()
    {
        var twenty = Merchant.CodePrefix + new string('7', 20 - Merchant.CodePrefix.Length);
        var body = TestMerchant.ValidCreate();
        ((Dictionary<string, object?>)body["online_to_offline_info"]!)["payment_code"] = twenty;
        Assert.Equal(HttpStatusCode.OK, (await Merchant.CreateAsync(body)).Status);

        body = TestMerchant.ValidCreate();
        ((Dictionary<string, object?>)body["online_to_offline_info"]!)["payment_code"] = twenty + "1";
        (await Merchant.CreateAsync(body)).AssertError(HttpStatusCode.BadRequest, "invalid_field", "online_to_offline_info.payment_code");
    }

    [Theory]
    [InlineData("1234567890123456")]
    [InlineData("12ab")]
    public async Task MerchantGeneratedCodeMustStartWithThePrefixAndBeDigits(string code)
    {
        var body = TestMerchant.ValidCreate();
        ((Dictionary<string, object?>)body["online_to_offline_info"]!)["payment_code"] = code;
        (await Merchant.CreateAsync(body)).AssertError(HttpStatusCode.BadRequest, "invalid_field", "online_to_offline_info.payment_code");
    }

    [Fact]
    public async Task AMerchantGeneratedCodeIsNotRegisteredAgainWhileItIsLive()
    {
        var code = Merchant.CodePrefix + "1111111111";
        var first = TestMerchant.ValidCreate();
        ((Dictionary<string, object?>)first["online_to_offline_info"]!)["payment_code"] = code;
        Assert.Equal(HttpStatusCode.OK, (await Merchant.CreateAsync(first)).Status);
        var second = TestMerchant.ValidCreate();
        ((Dictionary<string, object?>)second["online_to_offline_info"]!)["payment_code"] = code;
        (await Merchant.CreateAsync(second)).AssertError(HttpStatusCode.BadRequest, "payment_code_in_use");
    }

    [Fact]
    public async Task WhatRealClientsSendIsAcceptedAndStored()
    {
        // Numbers as strings and info1 (a PHP plugin), receipt footer, insurance data, sub-account, split
        // settlement, integration block, override URL with the configured scheme, host and path, and fields nobody knows.
        var invoice = "INV/2026/11/" + Guid.NewGuid().ToString("N")[..8];
        var body = $$$"""
        {"order":{"invoice_number":"{{{invoice}}}","amount":"250000","currency":"IDR"},
         "online_to_offline_info":{"expired_time":"120","reusable_status":"false","info1":"Toko Ñandú — Jl. Merdeka","info2":"Baris dua","info3":"Baris tiga"},
         "customer":{"name":"Siti Nurhaliza","email":"siti@example.co.id","phone":"0812"},
         "alfa_info":{"receipt":{"footer_message":"Call Center 021 555-0525"}},
         "additional_info":{
           "integration":{"name":"woocommerce-plugin","module-name":"alfa","version":"1.2.3"},
           "insurance_info":{"policy_type":"Dana Pendidikan","policy_number":"9090901234"},
           "account":{"id":"SAC-0001-1234"},
           "settlement":[{"bank_account_settlement_id":"SBA-0001-123123123","value":10,"type":"PERCENTAGE"},
                         {"bank_account_settlement_id":"SBA-0002-123","value":"50000","type":"FIX"}],
           "override_notification_url":"https://shop.example.com/payments/notifications?outlet=12",
           "something_new":true},
         "unknown_top_level":{"a":1}}
        """;
        await fixture.Gateway.AddSettlementAccountsAsync(Merchant.ClientId, "SBA-0001-123123123", "SBA-0002-123");
        await fixture.Gateway.AddSubAccountsAsync(Merchant.ClientId, "SAC-0001-1234");
        var response = await Merchant.CreateRawAsync(body);
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        var echoed = response.Json["additional_info"]!;
        Assert.Equal("https://shop.example.com/payments/notifications?outlet=12", (string)echoed["override_notification_url"]!);
        Assert.Equal("woocommerce-plugin", (string)echoed["integration"]!["name"]!);

        var code = (string)response.Json["online_to_offline_info"]!["payment_code"]!;
        var row = await fixture.Gateway.RowAsync("SELECT * FROM payment_codes WHERE code = $c", ("$c", code));
        Assert.Equal(250000L, row["amount"]);
        Assert.Equal(0L, row["reusable"]);
        Assert.Equal("Toko Ñandú — Jl. Merdeka", row["info"]);
        Assert.Equal("Baris dua", row["info2"]);
        Assert.Equal("Call Center 021 555-0525", row["footer_message"]);
        Assert.Equal("SAC-0001-1234", row["account_id"]);
        Assert.Equal("9090901234", (string)JsonNode.Parse((string)row["insurance_info"]!)!["policy_number"]!);
        var splits = JsonNode.Parse((string)row["settlement"]!)!.AsArray();
        Assert.Equal(2, splits.Count);
        Assert.Equal(50000m, (decimal)splits[1]!["value"]!);
        Assert.Equal("https://shop.example.com/payments/notifications?outlet=12", row["override_notification_url"]);
        Assert.Equal(response.Headers["Request-Id"], row["request_id"]);
        var expires = DateTimeOffset.FromUnixTimeMilliseconds((long)row["expires_at"]!) - DateTimeOffset.FromUnixTimeMilliseconds((long)row["created_at"]!);
        Assert.Equal(TimeSpan.FromMinutes(120), expires);
    }

    [Fact]
    public async Task ExpiredTimeDefaultsToSixtyMinutes()
    {
        var body = TestMerchant.ValidCreate();
        ((Dictionary<string, object?>)body["online_to_offline_info"]!).Remove("expired_time");
        var response = await Merchant.CreateAsync(body);
        var info = response.Json["online_to_offline_info"]!;
        Assert.Equal(TimeSpan.FromMinutes(60),
            DateTimeOffset.Parse((string)info["expired_date_utc"]!, CultureInfo.InvariantCulture) - DateTimeOffset.Parse((string)info["created_date_utc"]!, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task GeneratedCodesAreDistinctAndNotSequential()
    {
        var codes = new List<long>();
        for (var i = 0; i < 40; i++)
        {
            var (code, _) = await Merchant.CreateCodeAsync();
            codes.Add(long.Parse(code, CultureInfo.InvariantCulture));
        }
        Assert.Equal(codes.Count, codes.Distinct().Count());
        var steps = codes.Zip(codes.Skip(1), (a, b) => b - a).ToList();
        Assert.True(steps.Distinct().Count() > 30, "consecutive codes differ by a regular step");
        Assert.DoesNotContain(steps, s => Math.Abs(s) < 10);
    }

    [Fact]
    public async Task AnInvoiceNumberIsTakenOnlyOnceWhileItsCodeIsActive()
    {
        var invoice = "INV-UNIQUE-" + Guid.NewGuid().ToString("N")[..8];
        var (code, _) = await Merchant.CreateCodeAsync(TestMerchant.ValidCreate(invoice));
        (await Merchant.CreateAsync(TestMerchant.ValidCreate(invoice))).AssertError(HttpStatusCode.BadRequest, "invoice_number_in_use", "order.invoice_number");

        // Another merchant may use the same invoice number.
        var other = await fixture.Gateway.CreateMerchantAsync(new { name = "Other" });
        Assert.Equal(HttpStatusCode.OK, (await other.CreateAsync(TestMerchant.ValidCreate(invoice))).Status);

        // Once cancelled, the invoice is free again.
        var cancel = await Merchant.PatchAsync(new { online_to_offline_info = new { payment_code = code, status = "DELETE" } });
        Assert.Equal(HttpStatusCode.OK, cancel.Status);
        Assert.Equal(HttpStatusCode.OK, (await Merchant.CreateAsync(TestMerchant.ValidCreate(invoice))).Status);
    }

    [Fact]
    public async Task AnInvoiceIsFreeAgainOnceItsCodeHasExpired()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await gateway.CreateMerchantAsync();
        var invoice = "INV-EXPIRES";
        var body = TestMerchant.ValidCreate(invoice);
        ((Dictionary<string, object?>)body["online_to_offline_info"]!)["expired_time"] = 1;
        var (first, _) = await merchant.CreateCodeAsync(body);

        gateway.Time.Advance(TimeSpan.FromSeconds(59));
        (await merchant.CreateAsync(TestMerchant.ValidCreate(invoice))).AssertError(HttpStatusCode.BadRequest, "invoice_number_in_use");

        gateway.Time.Advance(TimeSpan.FromSeconds(1));
        var (second, _) = await merchant.CreateCodeAsync(TestMerchant.ValidCreate(invoice));
        Assert.NotEqual(first, second);
        Assert.Equal("EXPIRED", (await gateway.RowAsync("SELECT status FROM payment_codes WHERE code = $c", ("$c", first)))["status"]);
    }

    [Fact]
    public async Task ConcurrentCreatesForOneInvoiceMakeOneCodeAndRefuseTheRestByName()
    {
        // The invoice's uniqueness decides the race: the insert skips a conflict, and only then is it told apart.
        var invoice = "INV-RACE-" + Guid.NewGuid().ToString("N")[..8];
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Merchant.CreateAsync(TestMerchant.ValidCreate(invoice))));
        Assert.Single(responses, r => r.Status == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.Status != HttpStatusCode.OK),
            r => r.AssertError(HttpStatusCode.BadRequest, "invoice_number_in_use", "order.invoice_number"));
        Assert.Equal(1, await fixture.Gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE invoice_number = $i", ("$i", invoice)));
    }

    [Fact]
    public async Task AHundredConcurrentCreatesWithDistinctRequestIdsMakeAHundredDistinctCodes()
    {
        var tasks = Enumerable.Range(0, 100).Select(_ => Merchant.CreateAsync(TestMerchant.ValidCreate())).ToList();
        var responses = await Task.WhenAll(tasks);
        Assert.All(responses, r => Assert.True(r.Status == HttpStatusCode.OK, r.Body));
        var codes = responses.Select(r => (string)r.Json["online_to_offline_info"]!["payment_code"]!).ToHashSet();
        Assert.Equal(100, codes.Count);
        foreach (var code in codes)
        {
            Assert.Equal(1, await fixture.Gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE code = $c", ("$c", code)));
        }
    }
}
