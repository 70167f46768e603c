using System.Net;
using System.Net.Http.Json;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Money;

namespace Tunai.Gateway.Tests.Hardening;

/// <summary>
/// How a body is read as JSON, for every endpoint that takes one: a key given twice is refused (a proxy, a WAF or the
/// merchant's own log could read the other value than the gateway does), a trailing comma is accepted (the reference's
/// own MGPC sample has one), and nothing else beyond RFC 8259 gets through.
/// </summary>
public sealed class JsonReadingTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private TestMerchant Merchant => fixture.Merchant;

    private static string Create(string order) =>
        """{"order":""" + order + ""","online_to_offline_info":{"reusable_status":false},"customer":{"name":"Anton Budiman"}}""";

    public static TheoryData<string> BodiesWithADuplicateKey() => new()
    {
        // The attack in the issue: a proxy that keeps the first sees Rp 1, a gateway that keeps the last charges Rp 150.000.
        Create("""{"invoice_number":"INV-DUP-1","amount":1,"amount":150000}"""),
        Create("""{"invoice_number":"INV-DUP-2","amount":150000}""").Replace("\"customer\"", "\"order\":{\"invoice_number\":\"INV-DUP-3\",\"amount\":1},\"customer\"", StringComparison.Ordinal),
        Create("""{"invoice_number":"INV-DUP-4","amount":150000}""").Replace("{\"name\"", "{\"name\":\"Someone Else\",\"name\"", StringComparison.Ordinal),
        // Escapes do not hide a duplicate: "amount" and "\u0061mount" are the same key.
        Create("""{"invoice_number":"INV-DUP-5","amount":150000,"\u0061mount":1}"""),
        // Nor does depth, inside data stored verbatim.
        Create("""{"invoice_number":"INV-DUP-6","amount":150000}""").Replace("}}", "},\"additional_info\":{\"insurance_info\":{\"x\":1,\"x\":2}}}", StringComparison.Ordinal),
    };

    [Theory]
    [MemberData(nameof(BodiesWithADuplicateKey))]
    public async Task AmountGivenTwiceIsRefusedAndNothingIsStored(string body)
    {
        var before = await fixture.Gateway.CountAsync("SELECT count(*) FROM payment_codes");

        var response = await Merchant.CreateRawAsync(body);

        response.AssertError(HttpStatusCode.BadRequest, "duplicate_json_key");
        response.AssertSignedBy(Merchant);
        Assert.Equal(before, await fixture.Gateway.CountAsync("SELECT count(*) FROM payment_codes"));
    }

    [Fact]
    public async Task DuplicateKeyInAnAdminBodyIsRefused()
    {
        using var content = new StringContent("""{"name":"Toko A","notification_url":"https://a.example.com/n","notification_url":"https://evil.example.com/n"}""",
            System.Text.Encoding.UTF8, "application/json");

        using var response = await fixture.Gateway.Admin.PostAsync("/admin/v1/merchants", content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("duplicate_json_key", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    /// <summary>The reference's MGPC sample as printed (a comma after "info"), with this merchant's prefix.</summary>
    [Fact]
    public async Task TheReferenceMgpcSampleWithItsTrailingCommaIsAccepted()
    {
        var code = Merchant.CodePrefix + "0000000046";
        var body = $$"""
            {
            "order": {
            "invoice_number": "INV-{{Guid.NewGuid():N}}",
            "amount": 150000
            },
            "online_to_offline_info": {
            "payment_code": "{{code}}",
            "expired_time": 60,
            "reusable_status": false,
            "info": "Merchant Demo Store",
            },
            "customer": {
            "name": "Anton Budiman",
            "email": "anton@example.com"
            }
            }
            """;

        var response = await Merchant.CreateRawAsync(body);

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        Assert.Equal(code, (string?)response.Json["online_to_offline_info"]!["payment_code"]);
    }

    [Fact]
    public async Task TrailingCommasInArraysAndAtTheEndOfTheBodyAreAccepted()
    {
        await fixture.Gateway.AddSettlementAccountsAsync(Merchant.ClientId, "SBA-1");
        var body = Create($$"""{"invoice_number":"INV-{{Guid.NewGuid():N}}","amount":150000,}""")
            .Replace("\"customer\"", "\"additional_info\":{\"settlement\":[{\"bank_account_settlement_id\":\"SBA-1\",\"value\":10,\"type\":\"PERCENTAGE\",},],},\"customer\"", StringComparison.Ordinal)
            .TrimEnd('}') + "},}";

        var response = await Merchant.CreateRawAsync(body);

        Assert.True(response.Status == HttpStatusCode.OK, $"{response.Body}\n{body}");
    }

    public static TheoryData<string> OtherLaxity() => new()
    {
        // One trailing comma is tolerated, not an empty member or element.
        Create("""{"invoice_number":"INV-LAX-1","amount":150000,,}"""),
        Create("""{,"invoice_number":"INV-LAX-2","amount":150000}"""),
        """{"order":{"invoice_number":"INV-LAX-3","amount":150000},"x":[1,,2]}""",
        // Comments, single quotes, bare keys, NaN, leading zeros, hex, a second document.
        "/* c */" + Create("""{"invoice_number":"INV-LAX-4","amount":150000}"""),
        Create("{\"invoice_number\":\"INV-LAX-5\",\"amount\":150000 // c\n}"),
        Create("""{'invoice_number':'INV-LAX-6','amount':150000}"""),
        Create("""{invoice_number:"INV-LAX-7",amount:150000}"""),
        Create("""{"invoice_number":"INV-LAX-8","amount":NaN}"""),
        Create("""{"invoice_number":"INV-LAX-9","amount":0150000}"""),
        Create("""{"invoice_number":"INV-LAX-10","amount":0x10}"""),
        Create("""{"invoice_number":"INV-LAX-11","amount":150000}""") + " {}",
        Create("""{"invoice_number":"INV-LAX-12","amount":150000}""") + ",",
    };

    [Theory]
    [MemberData(nameof(OtherLaxity))]
    public async Task NoOtherLaxityThanTheTrailingCommaGetsThrough(string body)
    {
        var before = await fixture.Gateway.CountAsync("SELECT count(*) FROM payment_codes");

        var response = await Merchant.CreateRawAsync(body);

        response.AssertError(HttpStatusCode.BadRequest, "malformed_json");
        Assert.Equal(before, await fixture.Gateway.CountAsync("SELECT count(*) FROM payment_codes"));
    }
}
