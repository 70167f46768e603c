using System.Net;
using System.Net.Http.Json;
using Tunai.Gateway.Tests.Infrastructure;
using static Tunai.Gateway.Tests.Money.MoneySetup;

namespace Tunai.Gateway.Tests.Money;

/// <summary>The admin transactions report (JSON and CSV) and the merchant's signed day report.</summary>
public sealed class ReportTests
{
    private static readonly DateTimeOffset Morning = new(2026, 11, 30, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task TheTransactionsReportListsEachPaymentAndReversalWithItsSplitsInJsonAndCsv()
    {
        await using var gateway = await GatewayHost.StartAsync(Morning);
        var merchant = await gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(gateway);
        await gateway.AddSettlementAccountsAsync(merchant.ClientId, "SBA-A");
        await gateway.SetFeeAsync(merchant.ClientId, new { percent = "1.00" });
        await gateway.SetCostAsync(store.AcquirerId, new { @fixed = 300 });
        var body = CodeWith(150_000, [Percent("SBA-A", 20)]);
        ((Dictionary<string, object?>)body["online_to_offline_info"]!)["expired_time"] = 3000;
        var (code, created) = await merchant.CreateCodeAsync(body);
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150_000, "TRX-R-1")).Status);
        Assert.Equal(HttpStatusCode.OK, (await store.ReverseAsync(code, "TRX-R-1")).Status);
        gateway.Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150_000, "TRX-R-2")).Status);

        var json = GatewayHost.Json(await gateway.Admin.GetStringAsync(
            $"/admin/v1/reports/transactions?client_id={merchant.ClientId}&from=2026-11-30&to=2026-12-01"));
        var rows = json["transactions"]!.AsArray();
        Assert.Equal(["PAYMENT", "REVERSAL", "PAYMENT"], rows.Select(r => (string)r!["kind"]!).ToList());
        Assert.Equal(["2026-11-30", "2026-11-30", "2026-12-01"], rows.Select(r => (string)r!["business_date"]!).ToList());
        // 1.00 % of 150,000 = 1,500; net 148,500; 20 % = 29,700; 118,800 to the balance.
        Assert.Equal((150_000L, 1_500L, 300L, 148_500L), ((long)rows[0]!["gross"]!, (long)rows[0]!["fee"]!, (long)rows[0]!["acquirer_cost"]!, (long)rows[0]!["net"]!));
        Assert.Equal([29_700L, 118_800L], rows[0]!["splits"]!.AsArray().Select(s => (long)s!["amount"]!).ToList());
        Assert.Equal([-29_700L, -118_800L], rows[1]!["splits"]!.AsArray().Select(s => (long)s!["amount"]!).ToList());
        Assert.Equal((string)created["order"]!["invoice_number"]!, (string)rows[2]!["invoice_number"]!);

        var csv = await gateway.Admin.GetAsync($"/admin/v1/reports/transactions?client_id={merchant.ClientId}&from=2026-11-30&to=2026-11-30&format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("kind,payment_id,trx_id,payment_code,invoice_number,business_date,created_at,gross,fee,acquirer_cost,net,splits", lines[0]);
        Assert.Equal(3, lines.Length);
        var reversal = lines[2].Split(',');
        Assert.Equal(["REVERSAL", "-150000", "-1500", "-300", "-148500"], [reversal[0], reversal[7], reversal[8], reversal[9], reversal[10]]);
        Assert.Equal("SETTLEMENT_ACCOUNT:SBA-A:PERCENTAGE:-29700|MERCHANT_BALANCE:merchant:REMAINDER:-118800", reversal[11]);
    }

    [Theory]
    [InlineData("?from=2026-11-30&to=2026-11-30", "client_id")]
    [InlineData("?client_id={0}&from=30-11-2026&to=2026-11-30", "from")]
    [InlineData("?client_id={0}&from=2026-11-30&to=2026-11-29", "to")]
    [InlineData("?client_id={0}&from=2026-01-01&to=2026-11-30", "to")]
    [InlineData("?client_id={0}&from=2026-11-30&to=2026-11-30&format=xml", "format")]
    public async Task ABadReportRequestIsRefusedNamingTheParameter(string query, string field)
    {
        await using var gateway = await GatewayHost.StartAsync(Morning);
        var merchant = await gateway.CreateMerchantAsync();
        var response = await gateway.Admin.GetAsync("/admin/v1/reports/transactions" + string.Format(System.Globalization.CultureInfo.InvariantCulture, query, merchant.ClientId));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (string?)GatewayHost.Json(await response.Content.ReadAsStringAsync())["error"]!["field"]);
    }

    [Fact]
    public async Task TheMerchantsDayReportIsSignedAndHoldsOnlyItsOwnMoney()
    {
        await using var gateway = await GatewayHost.StartAsync(Morning);
        var merchant = await gateway.CreateMerchantAsync();
        var other = await gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(gateway);
        var (code, _) = await merchant.CreateCodeAsync(TestMerchant.ValidCreate(amount: 75_000));
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 75_000)).Status);
        await gateway.Admin.PostAsJsonAsync("/admin/v1/settlements/close", new { date = "2026-11-30" });

        var mine = await merchant.SendAsync(HttpMethod.Get, "/settlements/v1/reports/2026-11-30", null);
        Assert.Equal(HttpStatusCode.OK, mine.Status);
        mine.AssertSignedBy(merchant);
        Assert.Equal(75_000, (long)mine.Json["transactions"]![0]!["net"]!);
        Assert.Null(mine.Json["transactions"]![0]!["acquirer_cost"]);
        Assert.Equal(75_000, (long)mine.Json["batch"]!["total"]!);

        var theirs = await other.SendAsync(HttpMethod.Get, "/settlements/v1/reports/2026-11-30", null);
        theirs.AssertSignedBy(other);
        Assert.Empty(theirs.Json["transactions"]!.AsArray());
        Assert.Null(theirs.Json["batch"]);

        (await merchant.SendAsync(HttpMethod.Get, "/settlements/v1/reports/30-11-2026", null)).AssertError(HttpStatusCode.BadRequest, "invalid_field", "date");
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.Http.GetAsync("/settlements/v1/reports/2026-11-30")).StatusCode);
    }
}
