using System.Net;
using System.Net.Http.Json;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Merchant.Tests;

/// <summary>The SDK's settlement report against a real gateway: a business day's payments, reversals and batch.</summary>
public sealed class SettlementReportTests
{
    [Fact]
    public async Task TheReportShowsTheDaysPaymentsReversalsAndOnceClosedItsBatch()
    {
        var ct = TestContext.Current.CancellationToken;
        // The SDK signs with the real clock, so the gateway's starts at now; the business day is today's, WIB.
        await using var gateway = await GatewayHost.StartAsync();
        var day = DateOnly.FromDateTime(gateway.Time.GetUtcNow().ToOffset(TimeSpan.FromHours(7)).DateTime);
        var date = day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var merchant = await gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(gateway);
        Assert.Equal(HttpStatusCode.Created, (await gateway.Admin.PostAsJsonAsync($"/admin/v1/merchants/{merchant.ClientId}/settlement-accounts",
            new { id = "SBA-A", bank_code = "014", account_number = "1231231230", account_name = "PT Maju" }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{merchant.ClientId}",
            new { fee = new { @fixed = 1000 } }, ct)).StatusCode);

        var body = TestMerchant.ValidCreate(amount: 100_000);
        body["additional_info"] = new { settlement = new[] { new { bank_account_settlement_id = "SBA-A", value = 40_000, type = "FIX" } } };
        var (split, _) = await merchant.CreateCodeAsync(body);
        var (plain, _) = await merchant.CreateCodeAsync(TestMerchant.ValidCreate(amount: 20_000));
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(split, 100_000)).Status);
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(plain, 20_000, "TRX-REPORT-2")).Status);
        Assert.Equal(HttpStatusCode.OK, (await store.ReverseAsync(plain, "TRX-REPORT-2")).Status);

        using var sdk = new SdkClient(gateway, merchant);
        var open = await sdk.Client.GetSettlementReportAsync(day, ct);
        Assert.Equal(day, open.Date);
        Assert.Null(open.Batch);
        Assert.Equal(["PAYMENT", "PAYMENT", "REVERSAL"], open.Transactions.Select(t => t.Kind).ToList());
        var first = open.Transactions[0];
        Assert.Equal((100_000L, 1_000L, 99_000L), (first.Gross, first.Fee, first.Net));
        Assert.Equal([("SBA-A", "FIX", 40_000L), ("merchant", "REMAINDER", 59_000L)], first.Splits.Select(s => (s.Payee, s.Type, s.Amount)).ToList());
        Assert.Equal(-19_000, open.Transactions[2].Net);

        Assert.Equal(HttpStatusCode.OK, (await gateway.Admin.PostAsJsonAsync("/admin/v1/settlements/close", new { date }, ct)).StatusCode);
        var closed = await sdk.Client.GetSettlementReportAsync(day, ct);
        Assert.Equal("CLOSED", closed.Batch!.Status);
        Assert.Equal(99_000, closed.Batch.Total);
        Assert.Equal([("SBA-A", 40_000L), ("merchant", 59_000L)], closed.Batch.Lines.Select(l => (l.Payee, l.Amount)).OrderBy(l => l.Payee, StringComparer.Ordinal).ToList());

        // Another merchant's day shows none of it.
        var other = await gateway.CreateMerchantAsync();
        using var otherSdk = new SdkClient(gateway, other);
        var theirs = await otherSdk.Client.GetSettlementReportAsync(day, ct);
        Assert.Empty(theirs.Transactions);
        Assert.Null(theirs.Batch);
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.Http.GetAsync("/settlements/v1/reports/" + date, ct)).StatusCode);
    }
}
