using System.Net;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Money;

namespace Tunai.Gateway.Tests.PaymentCodes;

/// <summary>
/// Fields of the reference that real clients send and that must reach where they belong: reusable_status as
/// 1/0, e-mail addresses of any shape, info2 and info3 on every screen, and a PATCH that takes what generate takes.
/// Bodies are written as the clients write them (raw JSON, numbers as strings where they send strings).
/// </summary>
public sealed class WireConformanceTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private TestMerchant Merchant => fixture.Merchant;

    private GatewayHost Gateway => fixture.Gateway;

    private static string Invoice() => "INV-" + Guid.NewGuid().ToString("N")[..16];

    private async Task<(string Code, JsonNode Answer)> CreateRawAsync(string body)
    {
        var response = await Merchant.CreateRawAsync(body);
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        return ((string)response.Json["online_to_offline_info"]!["payment_code"]!, response.Json);
    }

    private Task<Dictionary<string, object?>> RowAsync(string code) =>
        Gateway.RowAsync("SELECT * FROM payment_codes WHERE code = $c", ("$c", code));

    [Theory]
    [InlineData("1", 1L)]
    [InlineData("\"1\"", 1L)]
    [InlineData("0", 0L)]
    [InlineData("\"0\"", 0L)]
    [InlineData("true", 1L)]
    [InlineData("\"false\"", 0L)]
    public async Task ReusableStatusSentAsANumberOrAStringIsTheFlag(string sent, long stored)
    {
        var (code, _) = await CreateRawAsync($$$$"""
            {"order":{"invoice_number":"{{{{Invoice()}}}}","amount":"150000"},"online_to_offline_info":{"expired_time":"60","reusable_status":{{{{sent}}}},"info1":""},"customer":{"name":"Anton Budiman"}}
            """);

        Assert.Equal(stored, (await RowAsync(code))["reusable"]);
    }

    [Fact]
    public async Task ReusableStatusOtherThanZeroOrOneIsRefusedNamingIt()
    {
        var response = await Merchant.CreateRawAsync($$$$"""
            {"order":{"invoice_number":"{{{{Invoice()}}}}","amount":150000},"online_to_offline_info":{"reusable_status":2},"customer":{"name":"Anton Budiman"}}
            """);
        response.AssertError(HttpStatusCode.BadRequest, "invalid_field", "online_to_offline_info.reusable_status");
    }

    [Theory]
    [InlineData("budi@localhost")]
    [InlineData("budi@ñandú.id")]
    [InlineData("budi.santoso+toko@contoh.co.id")]
    [InlineData("\"budi santoso\"@example.com")]
    public async Task AnEmailOfAnyShapeUpTo128CharactersIsAcceptedAndKept(string email)
    {
        var body = new JsonObject
        {
            ["order"] = new JsonObject { ["invoice_number"] = Invoice(), ["amount"] = 150000 },
            ["online_to_offline_info"] = new JsonObject { ["reusable_status"] = false },
            ["customer"] = new JsonObject { ["name"] = "Budi", ["email"] = email },
        };
        var (code, _) = await CreateRawAsync(body.ToJsonString());

        Assert.Equal(email, (await RowAsync(code))["customer_email"]);
    }

    [Fact]
    public async Task AnEmailWithAControlCharacterOrOver128CharactersIsRefused()
    {
        foreach (var email in new[] { "budi\u0007@example.com", new string('e', 117) + "@example.com" })
        {
            var body = new JsonObject
            {
                ["order"] = new JsonObject { ["invoice_number"] = Invoice(), ["amount"] = 150000 },
                ["online_to_offline_info"] = new JsonObject { ["reusable_status"] = false },
                ["customer"] = new JsonObject { ["name"] = "Budi", ["email"] = email },
            };
            (await Merchant.CreateRawAsync(body.ToJsonString())).AssertError(HttpStatusCode.BadRequest, "invalid_field", "customer.email");
        }
    }

    [Fact]
    public async Task Info2AndInfo3AreShownOnTheHowToPayPageUnderInfo()
    {
        var (_, answer) = await CreateRawAsync($$$$"""
            {"order":{"invoice_number":"{{{{Invoice()}}}}","amount":150000},"online_to_offline_info":{"reusable_status":false,"info1":"Baris satu","info2":"Baris dua","info3":"Baris <tiga>"},"customer":{"name":"Anton Budiman"}}
            """);
        var page = await Gateway.Http.GetStringAsync(new Uri((string)answer["online_to_offline_info"]!["how_to_pay_page"]!).PathAndQuery,
            TestContext.Current.CancellationToken);

        Assert.Contains("<dd id=\"info\">Baris satu</dd>", page, StringComparison.Ordinal);
        Assert.Contains("<dd id=\"info2\">Baris dua</dd>", page, StringComparison.Ordinal);
        Assert.Contains("<dd id=\"info3\">Baris &lt;tiga&gt;</dd>", page, StringComparison.Ordinal);
    }

    private async Task<ApiResponse> PatchRawAsync(string body) =>
        await Merchant.SendAsync(HttpMethod.Patch, TestMerchant.CreatePath, body);

    [Fact]
    public async Task PatchChangesInfo1ToInfo3AndTheFooterMessage()
    {
        var invoice = Invoice();
        var (code, _) = await CreateRawAsync($$$$"""
            {"order":{"invoice_number":"{{{{invoice}}}}","amount":150000},"online_to_offline_info":{"reusable_status":false,"info1":"Satu"},"customer":{"name":"Anton Budiman"},"alfa_info":{"receipt":{"footer_message":"Lama"}}}
            """);

        var response = await PatchRawAsync($$$$"""
            {"order":{"invoice_number":"{{{{invoice}}}}"},"online_to_offline_info":{"payment_code":"{{{{code}}}}","status":"ACTIVE","info1":"Satu baru","info2":"Dua","info3":"Tiga"},"alfa_info":{"receipt":{"footer_message":"Call Center 021 555-0525"}}}
            """);

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        var row = await RowAsync(code);
        Assert.Equal(("Satu baru", "Dua", "Tiga", "Call Center 021 555-0525"), (row["info"], row["info2"], row["info3"], row["footer_message"]));
    }

    [Fact]
    public async Task PatchChangesInsuranceSettlementAccountAndOverrideUrlAndKeepsTheOtherAdditionalInfo()
    {
        // Splits must name the merchant's registered settlement accounts (and account.id a sub-account of its own).
        await Gateway.AddSettlementAccountsAsync(Merchant.ClientId, "SBA-1", "SBA-0001-1", "SBA-0001-2");
        await Gateway.AddSubAccountsAsync(Merchant.ClientId, "ACC-1", "ACC-2");
        var invoice = Invoice();
        var (code, _) = await CreateRawAsync($$$$"""
            {"order":{"invoice_number":"{{{{invoice}}}}","amount":150000},"online_to_offline_info":{"reusable_status":false},"customer":{"name":"Anton Budiman"},
             "additional_info":{"integration":{"name":"plugin","version":"1.0"},"account":{"id":"ACC-1"}}}
            """);

        var response = await PatchRawAsync($$$$"""
            {"online_to_offline_info":{"payment_code":"{{{{code}}}}","status":"ACTIVE"},
             "additional_info":{"override_notification_url":"https://shop.example.com/payments/notifications?order=7",
               "insurance_info":{"policy_type":"Dana Pendidikan","policy_number":"9090901234"},
               "settlement":[{"bank_account_settlement_id":"SBA-0001-1","value":"10","type":"PERCENTAGE"},{"bank_account_settlement_id":"SBA-0001-2","value":"5000","type":"FIX"}],
               "account":{"id":"ACC-2"}}}
            """);

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        var row = await RowAsync(code);
        Assert.Equal("https://shop.example.com/payments/notifications?order=7", row["override_notification_url"]);
        Assert.Equal("9090901234", (string?)JsonNode.Parse((string)row["insurance_info"]!)!["policy_number"]);
        Assert.Equal("ACC-2", row["account_id"]);
        var settlement = JsonNode.Parse((string)row["settlement"]!)!.AsArray();
        Assert.Equal(2, settlement.Count);
        Assert.Equal("FIX", (string?)settlement[1]!["type"]);
        var additional = JsonNode.Parse((string)row["additional_info"]!)!;
        Assert.Equal("plugin", (string?)additional["integration"]!["name"]);
        Assert.Equal("Dana Pendidikan", (string?)additional["insurance_info"]!["policy_type"]);

        // What the till shows comes from the changed code.
        var store = await TestStore.CreateAsync(Gateway, "ALFAP" + Random.Shared.Next(1000, 9999));
        var inquiry = await store.InquiryAsync(code);
        Assert.Equal("9090901234", (string?)inquiry.Json["additional_info"]!["insurance_info"]!["policy_number"]);
    }

    [Fact]
    public async Task PatchClearsAnAdditionalInfoMemberSentAsNull()
    {
        var invoice = Invoice();
        var (code, _) = await CreateRawAsync($$$$"""
            {"order":{"invoice_number":"{{{{invoice}}}}","amount":150000},"online_to_offline_info":{"reusable_status":false},"customer":{"name":"Anton Budiman"},
             "additional_info":{"insurance_info":{"policy_number":"1"},"override_notification_url":"https://shop.example.com/payments/notifications?order=8","note":"keep"}}
            """);

        var response = await PatchRawAsync($$$$"""
            {"online_to_offline_info":{"payment_code":"{{{{code}}}}","status":"ACTIVE"},"additional_info":{"insurance_info":null,"override_notification_url":null}}
            """);

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        var row = await RowAsync(code);
        Assert.Null(row["insurance_info"]);
        Assert.Null(row["override_notification_url"]);
        Assert.Equal("""{"note":"keep"}""", row["additional_info"]);
    }

    [Theory]
    [InlineData("""{"override_notification_url":"https://10.1.2.3/elsewhere"}""", "additional_info.override_notification_url")]
    [InlineData("""{"insurance_info":"not an object"}""", "additional_info.insurance_info")]
    [InlineData("""{"settlement":[{"bank_account_settlement_id":"SBA-1","value":150001,"type":"FIX"}]}""", "additional_info.settlement")]
    [InlineData("""{"settlement":[{"bank_account_settlement_id":"SBA-1","value":10,"type":"percent"}]}""", "additional_info.settlement[0].type")]
    [InlineData("""{"account":{"id":"\u0007"}}""", "additional_info.account.id")]
    public async Task PatchRefusesAnAdditionalInfoMemberGenerateWouldRefuseNamingIt(string additional, string field)
    {
        // Splits must name the merchant's registered settlement accounts (and account.id a sub-account of its own).
        await Gateway.AddSettlementAccountsAsync(Merchant.ClientId, "SBA-1", "SBA-0001-1", "SBA-0001-2");
        await Gateway.AddSubAccountsAsync(Merchant.ClientId, "ACC-1", "ACC-2");
        var invoice = Invoice();
        var (code, _) = await CreateRawAsync($$$$"""
            {"order":{"invoice_number":"{{{{invoice}}}}","amount":150000},"online_to_offline_info":{"reusable_status":false},"customer":{"name":"Anton Budiman"}}
            """);
        var before = await RowAsync(code);

        var response = await PatchRawAsync($$$$"""{"online_to_offline_info":{"payment_code":"{{{{code}}}}","status":"ACTIVE"},"additional_info":{{{{additional}}}}}""");

        response.AssertError(HttpStatusCode.BadRequest, "invalid_field", field);
        Assert.Equal(before["updated_at"], (await RowAsync(code))["updated_at"]);
    }

    [Fact]
    public async Task PatchRefusesAnotherInvoiceNumberNamingIt()
    {
        var (code, _) = await CreateRawAsync($$$$"""
            {"order":{"invoice_number":"{{{{Invoice()}}}}","amount":150000},"online_to_offline_info":{"reusable_status":false},"customer":{"name":"Anton Budiman"}}
            """);

        var response = await PatchRawAsync($$$$"""
            {"order":{"invoice_number":"INV-CHANGED","amount":160000},"online_to_offline_info":{"payment_code":"{{{{code}}}}","status":"ACTIVE"}}
            """);

        response.AssertError(HttpStatusCode.BadRequest, "invalid_field", "order.invoice_number");
        Assert.Equal(150000L, (await RowAsync(code))["amount"]);
    }

    [Fact]
    public async Task PatchLoweringTheAmountBelowTheFixedSplitsIsRefusedNamingTheAmount()
    {
        // Splits must name the merchant's registered settlement accounts (and account.id a sub-account of its own).
        await Gateway.AddSettlementAccountsAsync(Merchant.ClientId, "SBA-1", "SBA-0001-1", "SBA-0001-2");
        await Gateway.AddSubAccountsAsync(Merchant.ClientId, "ACC-1", "ACC-2");
        var invoice = Invoice();
        var (code, _) = await CreateRawAsync($$$$"""
            {"order":{"invoice_number":"{{{{invoice}}}}","amount":150000},"online_to_offline_info":{"reusable_status":false},"customer":{"name":"Anton Budiman"},
             "additional_info":{"settlement":[{"bank_account_settlement_id":"SBA-1","value":100000,"type":"FIX"}]}}
            """);

        var response = await PatchRawAsync($$$$"""{"order":{"amount":"90000"},"online_to_offline_info":{"payment_code":"{{{{code}}}}","status":"ACTIVE"}}""");

        response.AssertError(HttpStatusCode.BadRequest, "invalid_field", "order.amount");
    }
}
