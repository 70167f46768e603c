using System.Globalization;
using Microsoft.Playwright;
using Tunai.Gateway.HowToPay;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.HowToPay;

public class HowToPayPageTests(Browser browser)
{
    private const string Code = "8896512345678123";

    // 06:05 UTC is 13:05 in Western Indonesian Time (UTC+7).
    private static readonly DateTimeOffset Expires = new(2026, 11, 24, 6, 5, 0, TimeSpan.Zero);

    private static HowToPayView View(string status = "ACTIVE", DateTimeOffset? now = null) => new(
        MerchantName: "Toko Sumber Rejeki",
        PaymentCode: Code,
        InvoiceNumber: "INV-2026/11/0042",
        Amount: 150_000,
        Status: status,
        CreatedUtc: Expires.AddHours(-24),
        ExpiresUtc: Expires,
        NowUtc: now ?? Expires.AddHours(-2),
        Info: "Sepatu lari, ukuran 42",
        CustomerName: "Budi");

    private sealed record OpenPage(IBrowserContext Context, IPage Page, IReadOnlyList<string> Requests) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Context.DisposeAsync();
    }

    private async Task<OpenPage> OpenAsync(
        string html, int width = 480, int height = 900)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            DeviceScaleFactor = 1,
        });
        var page = await context.NewPageAsync();
        var requests = new List<string>();
        page.Request += (_, request) => requests.Add(request.Url);
        await page.SetContentAsync(html);
        return new OpenPage(context, page, requests);
    }

    [Fact]
    public async Task ActivePageShowsMerchantAmountCodeAndWibExpiry()
    {
        await using var open = await OpenAsync(HowToPayPage.Render(View()));
        var page = open.Page;

        Assert.Equal("Toko Sumber Rejeki", await page.Locator("#merchant").InnerTextAsync());
        Assert.Equal("Rp150.000", await page.Locator("#amount").InnerTextAsync());
        Assert.Equal("8896 5123 4567 8123", await page.Locator("#payment-code").InnerTextAsync());
        Assert.Equal("24 Nov 2026 13:05 WIB", await page.Locator("#expiry").InnerTextAsync());
        Assert.Equal("INV-2026/11/0042", await page.Locator("#invoice").InnerTextAsync());
        Assert.True(await page.Locator("#barcode svg").IsVisibleAsync());
        Assert.True(await page.Locator("#countdown").IsVisibleAsync());
    }

    [Fact]
    public async Task ActivePageGivesStepsInBahasaIndonesiaThenEnglish()
    {
        await using var open = await OpenAsync(HowToPayPage.Render(View()));
        var page = open.Page;

        var sections = page.Locator("section.steps");
        Assert.Equal(2, await sections.CountAsync());
        Assert.Equal("id", await sections.Nth(0).GetAttributeAsync("lang"));
        Assert.Equal("en", await sections.Nth(1).GetAttributeAsync("lang"));
        var indonesian = await sections.Nth(0).InnerTextAsync();
        var english = await sections.Nth(1).InnerTextAsync();
        Assert.Contains("Cara bayar", indonesian, StringComparison.Ordinal);
        Assert.Contains("How to pay", english, StringComparison.Ordinal);
        foreach (var steps in new[] { indonesian, english })
        {
            Assert.Contains(Code, steps, StringComparison.Ordinal);
            Assert.Contains("Rp150.000", steps, StringComparison.Ordinal);
            Assert.Contains("Toko Sumber Rejeki", steps, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PageMakesNoNetworkRequests()
    {
        var html = HowToPayPage.Render(View());
        await using var open = await OpenAsync(html);
        var page = open.Page;
        var requests = open.Requests;
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        Assert.Empty(requests);
        foreach (var external in new[] { "src=", "href=", "url(", "@import", "<link", "@font-face" })
        {
            Assert.DoesNotContain(external, html, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task CountdownCountsDown()
    {
        await using var open = await OpenAsync(HowToPayPage.Render(View()));
        var page = open.Page;
        var countdown = page.Locator("#countdown");
        var first = await countdown.InnerTextAsync();

        await page.WaitForFunctionAsync(
            "first => document.getElementById('countdown').textContent !== first", first);

        var later = await countdown.InnerTextAsync();
        Assert.True(Seconds(later) < Seconds(first), $"{first} then {later}");
        Assert.InRange(Seconds(first), 7000, 7200);
    }

    [Fact]
    public async Task CountdownReachingZeroShowsExpiredAndHidesHowToPay()
    {
        var now = DateTimeOffset.UtcNow;
        var view = View(now: now) with { ExpiresUtc = now.AddSeconds(2) };
        await using var open = await OpenAsync(HowToPayPage.Render(view));
        var page = open.Page;
        Assert.True(await page.Locator("#barcode").IsVisibleAsync());

        await page.WaitForFunctionAsync("() => document.getElementById('countdown').textContent.includes('Expired')");

        Assert.Contains("Kedaluwarsa", await page.Locator("#status").InnerTextAsync(), StringComparison.Ordinal);
        Assert.False(await page.Locator("#barcode").IsVisibleAsync());
        Assert.False(await page.Locator("#steps-id").IsVisibleAsync());
    }

    [Fact]
    public async Task BarcodeInFullPageScreenshotDecodesToThePaymentCode()
    {
        await using var open = await OpenAsync(HowToPayPage.Render(View()), width: 390, height: 844);
        var page = open.Page;
        var png = Artifacts.Screenshot("how-to-pay-active.png");

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = png, FullPage = true });

        Assert.Equal([Code], await BarcodeDecoder.DecodeAsync(png, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PrintedPageLeavesOutCountdownAndButtonsButKeepsTheBarcode()
    {
        await using var open = await OpenAsync(HowToPayPage.Render(View()));
        var page = open.Page;
        Assert.True(await page.Locator("button").IsVisibleAsync());

        await page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Print });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Artifacts.Screenshot("how-to-pay-print.png"), FullPage = true });

        Assert.False(await page.Locator("#countdown").IsVisibleAsync());
        Assert.False(await page.Locator("button").IsVisibleAsync());
        Assert.True(await page.Locator("#barcode svg").IsVisibleAsync());
        // Wired by the page's one script: its CSP allows no inline handler.
        Assert.Null(await page.Locator("button").GetAttributeAsync("onclick"));
    }

    [Theory]
    [InlineData("PAID", "Sudah dibayar", "Paid")]
    [InlineData("CANCELLED", "Dibatalkan", "Cancelled")]
    [InlineData("EXPIRED", "Kedaluwarsa", "Expired")]
    public async Task FinishedCodeShowsItsStateInsteadOfHowToPay(string status, string indonesian, string english)
    {
        await using var open = await OpenAsync(HowToPayPage.Render(View(status)));
        var page = open.Page;
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Artifacts.Screenshot($"how-to-pay-{status.ToLowerInvariant()}.png"),
            FullPage = true,
        });

        await AssertShowsStateOnlyAsync(page, indonesian, english);
    }

    [Fact]
    public async Task ActiveCodePastItsExpiryIsShownAsExpired()
    {
        await using var open = await OpenAsync(HowToPayPage.Render(View("ACTIVE", now: Expires)));
        var page = open.Page;

        await AssertShowsStateOnlyAsync(page, "Kedaluwarsa", "Expired");
    }

    private static async Task AssertShowsStateOnlyAsync(IPage page, string indonesian, string english)
    {
        var status = await page.Locator("#status").InnerTextAsync();
        Assert.Contains(indonesian, status, StringComparison.Ordinal);
        Assert.Contains(english, status, StringComparison.Ordinal);
        Assert.Equal("Rp150.000", await page.Locator("#amount").InnerTextAsync());
        Assert.Equal("Toko Sumber Rejeki", await page.Locator("#merchant").InnerTextAsync());
        foreach (var gone in new[] { "#barcode", "#countdown", "#steps-id", "#steps-en", "section.steps" })
        {
            Assert.Equal(0, await page.Locator(gone).CountAsync());
        }
    }

    [Fact]
    public async Task HtmlInMerchantNameAndInfoIsShownAsText()
    {
        const string merchant = "<script>window.pwned=1</script> Tom & \"Jerry's\"";
        const string info = "<img src=x onerror=\"window.pwned=1\"><b>bold</b>";
        var html = HowToPayPage.Render(View() with { MerchantName = merchant, Info = info, CustomerName = "<i>Ana</i>" });

        Assert.Contains("&lt;script&gt;window.pwned=1&lt;/script&gt; Tom &amp; &quot;Jerry&#x27;s&quot;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);

        await using var open = await OpenAsync(html);
        var page = open.Page;
        Assert.Equal(merchant, await page.Locator("#merchant").TextContentAsync());
        Assert.Equal(info, await page.Locator("#info").TextContentAsync());
        Assert.Equal("<i>Ana</i>", await page.Locator("#customer").TextContentAsync());
        Assert.Equal(0, await page.Locator("img, b, i").CountAsync());
        Assert.Null(await page.EvaluateAsync<int?>("() => window.pwned"));
    }

    [Fact]
    public void UnknownStatusIsRefused() =>
        Assert.Throws<ArgumentException>(() => HowToPayPage.Render(View("PENDING")));

    [Fact]
    public async Task NotFoundPageSaysSoInBothLanguages()
    {
        await using var open = await OpenAsync(HowToPayPage.RenderNotFound());
        var page = open.Page;
        var requests = open.Requests;

        var status = await page.Locator("#status").InnerTextAsync();
        Assert.Contains("tidak ditemukan", status, StringComparison.Ordinal);
        Assert.Contains("not found", status, StringComparison.Ordinal);
        Assert.Empty(requests);
    }

    private static int Seconds(string countdown)
    {
        var parts = countdown.Split(':').Select(part => int.Parse(part, CultureInfo.InvariantCulture)).ToArray();
        return (parts[0] * 3600) + (parts[1] * 60) + parts[2];
    }
}
