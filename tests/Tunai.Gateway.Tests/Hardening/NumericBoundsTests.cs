using System.Net;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Money;

namespace Tunai.Gateway.Tests.Hardening;

/// <summary>Numbers beyond what the gateway's arithmetic can hold are refused as a field error before any sum is made.</summary>
public sealed class NumericBoundsTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private TestMerchant Merchant => fixture.Merchant;

    private static string WithSettlement(string splits) =>
        $$$"""
        {"order":{"invoice_number":"INV-{{{Guid.NewGuid():N}}}","amount":150000},
         "online_to_offline_info":{"reusable_status":false},"customer":{"name":"Anton Budiman"},
         "additional_info":{"settlement":[{{{splits}}}]}}
        """;

    private static string Split(string value, string type) =>
        $$"""{"bank_account_settlement_id":"SBA-1","value":{{value}},"type":"{{type}}"}""";

    public static TheoryData<string> SplitsBeyondDecimal() => new()
    {
        // decimal.MaxValue: parses, and the second split overflowed the sum (500 before).
        Split("1", "PERCENTAGE") + "," + Split("79228162514264337593543950335", "PERCENTAGE"),
        Split("1", "FIX") + "," + Split("\"79228162514264337593543950335\"", "FIX"),
        Split("79228162514264337593543950335", "FIX") + "," + Split("79228162514264337593543950335", "FIX"),
        // One past it, and far past it.
        Split("79228162514264337593543950336", "FIX"),
        Split("1" + new string('0', 400), "PERCENTAGE"),
        Split("0." + new string('0', 400) + "1", "PERCENTAGE"),
        Split("1e400", "PERCENTAGE"),
        Split("-79228162514264337593543950335", "FIX"),
    };

    [Theory]
    [MemberData(nameof(SplitsBeyondDecimal))]
    public async Task ASettlementValueTooLargeForDecimalIsAFieldErrorNotA500(string splits)
    {
        var before = await fixture.Gateway.CountAsync("SELECT count(*) FROM payment_codes");

        var response = await Merchant.CreateRawAsync(WithSettlement(splits));

        response.AssertError(HttpStatusCode.BadRequest, "invalid_field");
        Assert.StartsWith("additional_info.settlement[", response.ErrorField, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Gateway.CountAsync("SELECT count(*) FROM payment_codes"));
    }

    [Fact]
    public async Task FiftySplitsAtTheLargestAllowedValueAreRefusedByTheSumNotByAnOverflow()
    {
        var splits = string.Join(",", Enumerable.Repeat(Split("999999999999", "FIX"), 50));

        var response = await Merchant.CreateRawAsync(WithSettlement(splits));

        response.AssertError(HttpStatusCode.BadRequest, "invalid_field", "additional_info.settlement");
    }

    [Theory]
    [InlineData("\"12.5\"", "PERCENTAGE")]
    [InlineData("33.3333", "PERCENTAGE")]
    [InlineData("\"150000\"", "FIX")]
    [InlineData("150000.00", "FIX")]
    public async Task SettlementValuesWithinBoundsAreStillAccepted(string value, string type)
    {
        await fixture.Gateway.AddSettlementAccountsAsync(Merchant.ClientId, "SBA-1");
        var response = await Merchant.CreateRawAsync(WithSettlement(Split(value, type)));

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
    }
}
