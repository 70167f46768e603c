using System.Net;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Money;

namespace Tunai.Gateway.Tests.PaymentCodes;

/// <summary>Every field rule of the reference, per endpoint as written: a clear 400 naming the field, and nothing stored.</summary>
public sealed class ValidationTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private TestMerchant Merchant => fixture.Merchant;

    private static JsonNode Valid() => JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(TestMerchant.ValidCreate()))!;

    public static TheoryData<string, string, string> CreateRules() => new()
    {
        // path to change, JSON value ("<remove>" drops it), the field the error must name
        { "order.invoice_number", "<remove>", "order.invoice_number" },
        { "order.invoice_number", "\"\"", "order.invoice_number" },
        { "order.invoice_number", $"\"{new string('i', 65)}\"", "order.invoice_number" },
        { "order.amount", "<remove>", "order.amount" },
        { "order.amount", "0", "order.amount" },
        { "order.amount", "-5", "order.amount" },
        { "order.amount", "1.5", "order.amount" },
        { "order.amount", "\"15O000\"", "order.amount" },
        { "order.amount", "1000000000000", "order.amount" },
        { "order.amount", "true", "order.amount" },
        { "order", "\"x\"", "order" },
        { "online_to_offline_info.expired_time", "100000", "online_to_offline_info.expired_time" },
        { "online_to_offline_info.expired_time", "0", "online_to_offline_info.expired_time" },
        { "online_to_offline_info.expired_time", "\"sixty\"", "online_to_offline_info.expired_time" },
        { "online_to_offline_info.reusable_status", "<remove>", "online_to_offline_info.reusable_status" },
        { "online_to_offline_info.reusable_status", "\"maybe\"", "online_to_offline_info.reusable_status" },
        { "online_to_offline_info.reusable_status", "2", "online_to_offline_info.reusable_status" },
        { "online_to_offline_info.info", $"\"{new string('i', 31)}\"", "online_to_offline_info.info" },
        { "online_to_offline_info.info", "\"line\\nbreak\"", "online_to_offline_info.info" },
        { "customer.name", "<remove>", "customer.name" },
        { "customer.name", $"\"{new string('n', 65)}\"", "customer.name" },
        { "customer", "<remove>", "customer.name" },
        { "customer.email", "\"budi\\u0007@example.com\"", "customer.email" },
        { "customer.email", $"\"{new string('e', 117)}@example.com\"", "customer.email" },
        { "additional_info", "[1]", "additional_info" },
        { "additional_info.override_notification_url", "\"ftp://shop.example.com/payments/notifications\"", "additional_info.override_notification_url" },
        { "additional_info.override_notification_url", "\"https://10.1.2.3/other/path\"", "additional_info.override_notification_url" },
        { "additional_info.settlement", "[{\"bank_account_settlement_id\":\"SBA-1\",\"value\":10,\"type\":\"percentage\"}]", "additional_info.settlement[0].type" },
        { "additional_info.settlement", "[{\"bank_account_settlement_id\":\"SBA-1\",\"value\":60,\"type\":\"PERCENTAGE\"},{\"bank_account_settlement_id\":\"SBA-2\",\"value\":41,\"type\":\"PERCENTAGE\"}]", "additional_info.settlement" },
        { "additional_info.settlement", "[{\"bank_account_settlement_id\":\"SBA-1\",\"value\":150001,\"type\":\"FIX\"}]", "additional_info.settlement" },
        { "additional_info.settlement", "[{\"value\":10,\"type\":\"FIX\"}]", "additional_info.settlement[0].bank_account_settlement_id" },
        { "additional_info.settlement", "[{\"bank_account_settlement_id\":\"SBA-1\",\"value\":0,\"type\":\"FIX\"}]", "additional_info.settlement[0].value" },
        { "additional_info.settlement", "[]", "additional_info.settlement" },
        { "additional_info.settlement", "{}", "additional_info.settlement" },
        // 100 % plus a FIX equal to the amount: 200 % of the money.
        { "additional_info.settlement", "[{\"bank_account_settlement_id\":\"SBA-1\",\"value\":60,\"type\":\"PERCENTAGE\"},{\"bank_account_settlement_id\":\"SBA-2\",\"value\":40,\"type\":\"PERCENTAGE\"},{\"bank_account_settlement_id\":\"SBA-3\",\"value\":150000,\"type\":\"FIX\"}]", "additional_info.settlement" },
        { "additional_info.settlement", "[{\"bank_account_settlement_id\":\"SBA-1\",\"value\":50,\"type\":\"PERCENTAGE\"},{\"bank_account_settlement_id\":\"SBA-3\",\"value\":75001,\"type\":\"FIX\"}]", "additional_info.settlement" },
        { "additional_info.settlement", "[{\"bank_account_settlement_id\":\"SBA-UNKNOWN\",\"value\":10,\"type\":\"FIX\"}]", "additional_info.settlement[0].bank_account_settlement_id" },
        { "additional_info.account.id", "\"SAC-UNKNOWN\"", "additional_info.account.id" },
    };

    [Theory]
    [MemberData(nameof(CreateRules))]
    public async Task CreateRefusesABrokenRuleNamingTheFieldAndStoresNothing(string path, string value, string field)
    {
        await fixture.Gateway.AddSettlementAccountsAsync(Merchant.ClientId, "SBA-1", "SBA-2", "SBA-3");
        var body = Valid();
        Set(body, path, value);
        var codesBefore = await fixture.Gateway.CountAsync("SELECT count(*) FROM payment_codes");
        var requestId = Guid.NewGuid().ToString();

        var response = await Merchant.CreateRawAsync(body.ToJsonString(), requestId);

        response.AssertError(HttpStatusCode.BadRequest, "invalid_field", field);
        response.AssertSignedBy(Merchant);
        Assert.Equal(codesBefore, await fixture.Gateway.CountAsync("SELECT count(*) FROM payment_codes"));
        Assert.Equal(0, await fixture.Gateway.CountAsync("SELECT count(*) FROM idempotency_keys WHERE request_id = $r", ("$r", requestId)));
    }

    public static TheoryData<string, string> AcceptedEdges() => new()
    {
        { "order.invoice_number", $"\"{new string('i', 64)}\"" },
        { "order.amount", "999999999999" },
        { "order.amount", "\"1\"" },
        { "online_to_offline_info.expired_time", "99999" },
        { "online_to_offline_info.reusable_status", "true" },
        { "online_to_offline_info.reusable_status", "\"TRUE\"" },
        { "online_to_offline_info.reusable_status", "1" },
        { "online_to_offline_info.reusable_status", "0" },
        { "online_to_offline_info.reusable_status", "\"1\"" },
        { "online_to_offline_info.reusable_status", "\"0\"" },
        { "online_to_offline_info.info", $"\"{new string('é', 30)}\"" },
        { "online_to_offline_info.info", "null" },
        { "customer.name", $"\"{new string('n', 64)}\"" },
        { "customer.email", "<remove>" },
        { "customer.email", $"\"{new string('e', 116)}@example.com\"" },
        { "customer.email", "\"budi@localhost\"" },
        { "customer.email", "\"budi@ñandú.id\"" },
        // 100 % of the net, or FIX values equal to it, but not both (issue 17: that was 200 % of the money).
        { "additional_info.settlement", "[{\"bank_account_settlement_id\":\"SBA-1\",\"value\":60,\"type\":\"PERCENTAGE\"},{\"bank_account_settlement_id\":\"SBA-2\",\"value\":40,\"type\":\"PERCENTAGE\"}]" },
        { "additional_info.settlement", "[{\"bank_account_settlement_id\":\"SBA-1\",\"value\":100000,\"type\":\"FIX\"},{\"bank_account_settlement_id\":\"SBA-3\",\"value\":50000,\"type\":\"FIX\"}]" },
        { "additional_info.settlement", "[{\"bank_account_settlement_id\":\"SBA-1\",\"value\":50,\"type\":\"PERCENTAGE\"},{\"bank_account_settlement_id\":\"SBA-3\",\"value\":75000,\"type\":\"FIX\"}]" },
    };

    [Theory]
    [MemberData(nameof(AcceptedEdges))]
    public async Task CreateAcceptsValuesAtTheEdgeOfEachRule(string path, string value)
    {
        await fixture.Gateway.AddSettlementAccountsAsync(Merchant.ClientId, "SBA-1", "SBA-2", "SBA-3");
        var body = Valid();
        Set(body, path, value);
        var response = await Merchant.CreateRawAsync(body.ToJsonString());
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
    }

    public static TheoryData<string, string, string> UpdateRules() => new()
    {
        { "online_to_offline_info.payment_code", "<remove>", "online_to_offline_info.payment_code" },
        { "online_to_offline_info.status", "<remove>", "online_to_offline_info.status" },
        { "online_to_offline_info.status", "\"PAUSE\"", "online_to_offline_info.status" },
        { "order.amount", "0", "order.amount" },
        { "order.amount", "1000000000000", "order.amount" },
        { "online_to_offline_info.expired_time", "123456", "online_to_offline_info.expired_time" },
        { "online_to_offline_info.reusable_status", "\"yes\"", "online_to_offline_info.reusable_status" },
        { "online_to_offline_info.info", $"\"{new string('i', 31)}\"", "online_to_offline_info.info" },
        // The reference gives customer.name 40 characters on update (64 on generate).
        { "customer.name", $"\"{new string('n', 41)}\"", "customer.name" },
        { "customer.email", $"\"{new string('e', 117)}@example.com\"", "customer.email" },
        { "order.invoice_number", "\"INV-SOMETHING-ELSE\"", "order.invoice_number" },
    };

    [Theory]
    [MemberData(nameof(UpdateRules))]
    public async Task UpdateRefusesABrokenRuleNamingTheFieldAndChangesNothing(string path, string value, string field)
    {
        var (code, created) = await Merchant.CreateCodeAsync();
        var body = JsonNode.Parse($$$"""
            {"order":{"invoice_number":"{{{(string)created["order"]!["invoice_number"]!}}}","amount":99000},
             "online_to_offline_info":{"payment_code":"{{{code}}}","status":"ACTIVE","expired_time":30,"reusable_status":true,"info":"Updated"},
             "customer":{"name":"Budi","email":"budi@example.com"}}
            """)!;
        Set(body, path, value);
        var before = await fixture.Gateway.RowAsync("SELECT * FROM payment_codes WHERE code = $c", ("$c", code));

        var response = await Merchant.SendAsync(HttpMethod.Patch, TestMerchant.CreatePath, body.ToJsonString());

        response.AssertError(HttpStatusCode.BadRequest, "invalid_field", field);
        Assert.Equal(before, await fixture.Gateway.RowAsync("SELECT * FROM payment_codes WHERE code = $c", ("$c", code)));
    }

    [Fact]
    public async Task UpdateAcceptsACustomerNameOfFortyCharacters()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        var response = await Merchant.PatchAsync(new
        {
            online_to_offline_info = new { payment_code = code, status = "ACTIVE" },
            customer = new { name = new string('n', 40) },
        });
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
    }

    private static void Set(JsonNode root, string path, string value)
    {
        var parts = path.Split('.');
        var parent = root;
        foreach (var part in parts[..^1])
        {
            parent = parent[part] ??= new JsonObject();
        }
        if (value == "<remove>")
        {
            parent.AsObject().Remove(parts[^1]);
        }
        else
        {
            parent[parts[^1]] = JsonNode.Parse(value);
        }
    }
}
