using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.BackOffice;

/// <summary>
/// The overview in Debian's Chromium over the known activity of <see cref="OverviewData"/>: the charts as the browser
/// holds them equal the counts, with JavaScript and without it (the merchant chosen with the plain GET form), the page
/// passes the accessibility check, and screenshots for an operator and a merchant user go to the test output.
/// </summary>
public sealed class OverviewBrowserTests(OverviewData data, Browser browser) : IClassFixture<OverviewData>
{
    private async Task<(IBrowserContext Context, IPage Page)> SignedInAsync(string role, TestMerchant? merchant = null, bool javaScript = true)
    {
        var merchantId = merchant is null ? (long?)null : await BackOfficeAccounts.MerchantIdAsync(data.Gateway, merchant.ClientId);
        var email = await BackOfficeAccounts.AddAsync(data.Gateway, role, merchantId);
        return await browser.SignedInAsync(data.Gateway.BaseAddress, email, BackOfficeAccounts.Password, javaScript: javaScript);
    }

    private static async Task AssertAccessibleAsync(IPage page)
    {
        var serious = (await page.RunAxe()).Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}) {string.Join(", ", v.Nodes.Select(n => n.Html))}").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious));
    }

    [Fact]
    public async Task AnOperatorSeesTheChartsOfEveryMerchantAndTheyPassTheAccessibilityCheck()
    {
        var (context, page) = await SignedInAsync(Roles.Operator);
        await using var _ = context;

        OverviewTests.AssertFigures(await page.ContentAsync(), OverviewTests.EveryMerchant);
        Assert.Equal("Codes created", await page.Locator("#hours-codes svg title").First.TextContentAsync());
        Assert.Equal("2026-12-07 10:00 WIB: 3 (codes)",
            await page.Locator("#hours-codes rect[data-series='codes']").Last.Locator("title").TextContentAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Artifacts.Screenshot("backoffice-overview-operator.png"), FullPage = true });
        await AssertAccessibleAsync(page);

        await page.ClickAsync("details.numbers summary >> nth=0");
        Assert.True(await page.Locator("#hours-table").IsVisibleAsync());
    }

    [Fact]
    public async Task WithoutJavaScriptTheChartsShowAndTheMerchantIsChosenWithTheForm()
    {
        var (context, page) = await SignedInAsync(Roles.Viewer, javaScript: false);
        await using var _ = context;
        OverviewTests.AssertFigures(await page.ContentAsync(), OverviewTests.EveryMerchant);

        await page.SelectOptionAsync("#merchant", data.A.ClientId);
        await page.ClickAsync("#show");

        await Browser.ArrivedAsync(page, new System.Text.RegularExpressions.Regex($"merchant={data.A.ClientId}"));
        OverviewTests.AssertFigures(await page.ContentAsync(), OverviewTests.MerchantA);
    }

    [Fact]
    public async Task AMerchantUserSeesChartsOfItsOwnDataOnly()
    {
        var (context, page) = await SignedInAsync(Roles.Merchant, data.B);
        await using var _ = context;

        var html = await page.ContentAsync();
        OverviewTests.AssertFigures(html, OverviewTests.MerchantB);
        Assert.DoesNotContain(data.A.ClientId, html, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#merchant").CountAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Artifacts.Screenshot("backoffice-overview-merchant.png"), FullPage = true });
        await AssertAccessibleAsync(page);
    }
}
