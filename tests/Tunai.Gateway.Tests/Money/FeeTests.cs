using System.Net;
using System.Net.Http.Json;
using Tunai.Gateway.Ledger;
using Tunai.Gateway.Fees;
using Tunai.Gateway.Settlement;
using Tunai.Gateway.Reconciliation;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Money;

/// <summary>Fee schedules: the arithmetic at its edges, and setting them through the admin API.</summary>
public sealed class FeeTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHost Gateway => fixture.Gateway;

    // amount, fixed, percent in hundredths, min, max, expected fee (worked out by hand: fixed + amount × percent / 100, half up)
    public static TheoryData<long, long, long, long, long?, long> Cases() => new()
    {
        { 150_000, 0, 50, 0, null, 750 },          // 0.50 % of 150,000 = 750 exactly
        { 100, 0, 50, 0, null, 1 },                // 0.5 rounds half up to 1
        { 99, 0, 50, 0, null, 0 },                 // 0.495 rounds down to 0
        { 101, 0, 50, 0, null, 1 },                // 0.505 rounds to 1
        { 300, 0, 50, 0, null, 2 },                // 1.5 rounds half up to 2
        { 150_000, 4_000, 50, 0, null, 4_750 },    // fixed plus percentage
        { 10_000, 0, 50, 2_500, null, 2_500 },     // 50 is below the minimum
        { 10_000_000, 0, 50, 0, 25_000, 25_000 },  // 50,000 is above the maximum
        { 1_000, 4_000, 0, 0, null, 1_000 },       // never more than the amount
        { 999_999_999_999, 0, 10_000, 0, null, 999_999_999_999 }, // 100 % of the largest amount, no overflow
        { 150_000, 0, 0, 0, null, 0 },             // the default: no fee
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FeeIsTheScheduleAppliedToTheAmountRoundedHalfUp(long amount, long fixedPart, long hundredths, long min, long? max, long expected) =>
        Assert.Equal(expected, new FeeSchedule(fixedPart, hundredths, min, max).Apply(amount));

    [Fact]
    public async Task AMerchantsFeeIsSetAndShownThroughTheAdminApi()
    {
        var merchant = await Gateway.CreateMerchantAsync();
        var before = GatewayHost.Json(await Gateway.Admin.GetStringAsync($"/admin/v1/merchants/{merchant.ClientId}"));
        Assert.Equal(0, (long)before["fee"]!["fixed"]!);
        Assert.Equal("0.00", (string)before["fee"]!["percent"]!);

        var patched = await Gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{merchant.ClientId}",
            new { fee = new { @fixed = 4000, percent = "0.50", min = 0, max = (long?)null } });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var json = GatewayHost.Json(await Gateway.Admin.GetStringAsync($"/admin/v1/merchants/{merchant.ClientId}"));
        Assert.Equal(4000, (long)json["fee"]!["fixed"]!);
        Assert.Equal("0.50", (string)json["fee"]!["percent"]!);
        Assert.Null(json["fee"]!["max"]);
    }

    public static TheoryData<string, string> BadFees() => new()
    {
        { """{"fee":{"percent":"0.505"}}""", "fee.percent" },
        { """{"fee":{"percent":"100.01"}}""", "fee.percent" },
        { """{"fee":{"percent":"-1"}}""", "fee.percent" },
        { """{"fee":{"fixed":-1}}""", "fee.fixed" },
        { """{"fee":{"fixed":1.5}}""", "fee.fixed" },
        { """{"fee":{"min":5000,"max":4000}}""", "fee.max" },
        { """{"fee":"0.5"}""", "fee" },
    };

    [Theory]
    [MemberData(nameof(BadFees))]
    public async Task ABadFeeIsRefusedNamingTheFieldAndChangesNothing(string body, string field)
    {
        var merchant = await Gateway.CreateMerchantAsync();
        await Gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{merchant.ClientId}", new { fee = new { @fixed = 1000 } });

        var response = await Gateway.Admin.PatchAsync($"/admin/v1/merchants/{merchant.ClientId}",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var json = GatewayHost.Json(await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (string?)json["error"]!["field"]);
        var after = GatewayHost.Json(await Gateway.Admin.GetStringAsync($"/admin/v1/merchants/{merchant.ClientId}"));
        Assert.Equal(1000, (long)after["fee"]!["fixed"]!);
    }

    [Fact]
    public async Task AnAcquirersCostIsSetThroughTheAdminApi()
    {
        var store = await TestStore.CreateAsync(Gateway, "COST1");
        var response = await Gateway.Admin.PatchAsJsonAsync($"/admin/v1/acquirers/{store.AcquirerId}", new { cost = new { @fixed = 1500, percent = "0.10" } });
        var json = GatewayHost.Json(await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("0.10", (string)json["cost"]!["percent"]!);
        Assert.Equal(1500L, await Gateway.CountAsync(
            "SELECT c.fixed FROM acquirer_costs c JOIN acquirers a ON a.id = c.acquirer_id WHERE a.code = $a", ("$a", store.AcquirerId)));

        var unknown = await Gateway.Admin.PatchAsJsonAsync("/admin/v1/acquirers/NOPE", new { cost = new { @fixed = 1 } });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var missing = await Gateway.Admin.PatchAsJsonAsync($"/admin/v1/acquirers/{store.AcquirerId}", new { name = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
    }

    [Fact]
    public async Task ACodeKeepsTheScheduleInForceWhenItWasCreated()
    {
        var merchant = await Gateway.CreateMerchantAsync();
        var (before, _) = await merchant.CreateCodeAsync();
        await Gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{merchant.ClientId}", new { fee = new { @fixed = 2500, percent = "1.25", min = 100, max = 9000 } });
        var (sold, _) = await merchant.CreateCodeAsync();
        await Gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{merchant.ClientId}", new { fee = new { @fixed = 7000 } });

        Assert.Equal(0, await Gateway.CountAsync(
            "SELECT count(*) FROM code_fees f JOIN payment_codes p ON p.id = f.payment_code_id WHERE p.code = $c", ("$c", before)));
        var row = await Gateway.RowAsync(
            "SELECT f.fixed, f.percent_hundredths, f.min, f.max FROM code_fees f JOIN payment_codes p ON p.id = f.payment_code_id WHERE p.code = $c",
            ("$c", sold));
        Assert.Equal(2500L, Convert.ToInt64(row["fixed"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(125L, Convert.ToInt64(row["percent_hundredths"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(100L, Convert.ToInt64(row["min"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(9000L, Convert.ToInt64(row["max"], System.Globalization.CultureInfo.InvariantCulture));
    }
}
