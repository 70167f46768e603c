using System.Net;
using Microsoft.Playwright;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.HowToPay;

/// <summary>The how-to-pay URLs handed out by the generate response, fetched over HTTP as a customer's phone would.</summary>
public sealed class HowToPayEndpointTests(GatewayFixture fixture, Browser browser) : IClassFixture<GatewayFixture>
{
    private TestMerchant Merchant => fixture.Merchant;

    [Fact]
    public async Task ThePageServedForANewCodeRendersInChromiumAndItsBarcodeDecodesToTheCode()
    {
        var (code, created) = await Merchant.CreateCodeAsync(TestMerchant.ValidCreate("INV-PAGE-1", 1_234_500));
        var url = (string)created["online_to_offline_info"]!["how_to_pay_page"]!;

        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var requests = new List<string>();
        page.Request += (_, r) => requests.Add(r.Url);
        var response = await page.GotoAsync(url);

        Assert.Equal(200, response!.Status);
        Assert.Equal("text/html; charset=utf-8", response.Headers["content-type"]);
        Assert.Equal("no-store", response.Headers["cache-control"]);
        Assert.Equal("no-referrer", response.Headers["referrer-policy"]);
        Assert.Equal("Toko Fixture", await page.Locator("#merchant").InnerTextAsync());
        Assert.Equal("Rp1.234.500", await page.Locator("#amount").InnerTextAsync());
        Assert.Equal(code, (await page.Locator("#payment-code").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal));
        Assert.EndsWith("WIB", await page.Locator("#expiry").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal([url], requests);

        var png = Artifacts.Screenshot("how-to-pay-served.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = png, FullPage = true });
        Assert.Equal([code], await BarcodeDecoder.DecodeAsync(png, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task TheJsonTwinGivesInstructionsOrderStatusAndDates()
    {
        var (code, created) = await Merchant.CreateCodeAsync(TestMerchant.ValidCreate("INV-API-1", 150000));
        var info = created["online_to_offline_info"]!;
        using var response = await fixture.Gateway.Http.GetAsync((string)info["how_to_pay_api"]!, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = GatewayHost.Json(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal("ACTIVE", (string)json["status"]!);
        Assert.Equal("INV-API-1", (string)json["order"]!["invoice_number"]!);
        Assert.Equal(150000, (long)json["order"]!["amount"]!);
        Assert.Equal(code, (string)json["online_to_offline_info"]!["payment_code"]!);
        Assert.Equal((string)info["expired_date"]!, (string)json["online_to_offline_info"]!["expired_date"]!);
        Assert.Equal((string)info["created_date_utc"]!, (string)json["online_to_offline_info"]!["created_date_utc"]!);
        var instructions = json["payment_instruction"]!.AsArray();
        Assert.Equal(["id", "en"], instructions.Select(i => (string)i!["language"]!));
        Assert.All(instructions, i =>
        {
            Assert.Equal("ALFA", (string)i!["channel"]!);
            Assert.Contains(i["step"]!.AsArray(), s => ((string)s!).Contains(code, StringComparison.Ordinal));
        });
    }

    [Fact]
    public async Task AWrongTokenOrUnknownCodeIs404()
    {
        var (code, created) = await Merchant.CreateCodeAsync();
        var page = (string)created["online_to_offline_info"]!["how_to_pay_page"]!;
        var api = (string)created["online_to_offline_info"]!["how_to_pay_api"]!;
        var wrongToken = page[..(page.LastIndexOf('/') + 1)] + "AAAAAAAAAAAAAAAAAAAAAAAA";
        var ct = TestContext.Current.CancellationToken;

        using var r1 = await fixture.Gateway.Http.GetAsync(wrongToken, ct);
        Assert.Equal(HttpStatusCode.NotFound, r1.StatusCode);
        Assert.DoesNotContain(code, await r1.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        using var r2 = await fixture.Gateway.Http.GetAsync(api.Replace(code, Merchant.CodePrefix + "00000000000", StringComparison.Ordinal), ct);
        Assert.Equal(HttpStatusCode.NotFound, r2.StatusCode);
        using var r3 = await fixture.Gateway.Http.GetAsync(api[..(api.LastIndexOf('/') + 1)] + "x", ct);
        Assert.Equal(HttpStatusCode.NotFound, r3.StatusCode);
    }

    [Fact]
    public async Task CancelledAndExpiredCodesShowTheirStateInsteadOfInstructions()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await gateway.CreateMerchantAsync();
        var (cancelledCode, cancelled) = await merchant.CreateCodeAsync();
        await merchant.PatchAsync(new { online_to_offline_info = new { payment_code = cancelledCode, status = "DELETE" } });
        var (_, expiring) = await merchant.CreateCodeAsync();
        gateway.Time.Advance(TimeSpan.FromMinutes(61));

        foreach (var (created, state) in new[] { (cancelled, "CANCELLED"), (expiring, "EXPIRED") })
        {
            using var api = await gateway.Http.GetAsync((string)created["online_to_offline_info"]!["how_to_pay_api"]!, TestContext.Current.CancellationToken);
            var json = GatewayHost.Json(await api.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal(state, (string)json["status"]!);
            Assert.Empty(json["payment_instruction"]!.AsArray());

            using var html = await gateway.Http.GetAsync((string)created["online_to_offline_info"]!["how_to_pay_page"]!, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, html.StatusCode);
            var text = await html.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.DoesNotContain("id=\"barcode\"", text, StringComparison.Ordinal);
            Assert.DoesNotContain("id=\"countdown\"", text, StringComparison.Ordinal);
            Assert.Contains("id=\"status\"", text, StringComparison.Ordinal);
        }
    }
}
