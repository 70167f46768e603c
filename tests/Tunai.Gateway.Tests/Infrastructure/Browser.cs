using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(Tunai.Gateway.Tests.Infrastructure.Browser))]

namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>
/// One headless Chromium for the whole test run: Debian's own build (package chromium), driven through
/// Playwright. Playwright's browser download is never used. Chromium starts on the first test that asks
/// for a page, so tests that need no browser pay nothing for it.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    // No sandbox because tests often run as root in containers, where Chromium refuses to start with it.
    // The rest keep a test run from talking to Google's update, sync and field-trial servers, so that
    // "the page makes no request" is about the page alone.
    private static readonly string[] Arguments =
    [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];

    private readonly SemaphoreSlim gate = new(1, 1);
    private IPlaywright? playwright;
    private IBrowser? browser;

    /// <summary>
    /// A fresh browser context (own cookies, cache and viewport). Dispose it to close its pages.
    /// Skips the calling test when Chromium is not installed, or fails it under <c>TUNAI_REQUIRE_ALL=1</c>.
    /// </summary>
    public async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions? options = null)
    {
        var running = await StartAsync();
        return await running.NewContextAsync(options ?? new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 480, Height = 900 },
            DeviceScaleFactor = 1,
        });
    }

    /// <summary>
    /// Waits until the page's address matches, polling the address only. Not <c>WaitForURLAsync</c>: when the
    /// navigation has already happened by the time it is called, it ignores <c>WaitUntil = Commit</c> and waits for a
    /// load state instead (playwright-dotnet#3365); a sign-in that was quick enough then timed out on the right page.
    /// Then waits until the page's document is parsed whole (<c>WaitForLoadStateAsync</c> returns at once when it already
    /// is): the address changes when the response starts, and a test that read the HTML right then saw a chart cut off
    /// in the middle.
    /// </summary>
    public static async Task ArrivedAsync(IPage page, string url)
    {
        await Assertions.Expect(page).ToHaveURLAsync(url, new PageAssertionsToHaveURLOptions { Timeout = 30_000 });
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded, new PageWaitForLoadStateOptions { Timeout = 30_000 });
    }

    /// <inheritdoc cref="ArrivedAsync(IPage, string)"/>
    public static async Task ArrivedAsync(IPage page, System.Text.RegularExpressions.Regex url)
    {
        await Assertions.Expect(page).ToHaveURLAsync(url, new PageAssertionsToHaveURLOptions { Timeout = 30_000 });
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded, new PageWaitForLoadStateOptions { Timeout = 30_000 });
    }

    /// <summary>
    /// A new context signed in to the back office at <paramref name="gateway"/> through its sign-in form, as a person does
    /// (with or without JavaScript), left on the overview.
    /// </summary>
    public async Task<(IBrowserContext Context, IPage Page)> SignedInAsync(Uri gateway, string email, string password, int width = 1280,
        bool javaScript = true)
    {
        var context = await NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
            JavaScriptEnabled = javaScript,
        });
        var page = await context.NewPageAsync();
        var overview = new Uri(gateway, "/backoffice").ToString();
        await page.GotoAsync(overview);
        Assert.Contains("/backoffice/sign-in", page.Url, StringComparison.Ordinal);
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#sign-in");
        await ArrivedAsync(page, overview);
        return (context, page);
    }

    private async Task<IBrowser> StartAsync()
    {
        await gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (browser is not null)
            {
                return browser;
            }
            var chromium = ExternalTool.Locate("chromium");
            if (chromium is null)
            {
                ExternalTool.Unavailable("chromium");
            }
            playwright ??= await Playwright.CreateAsync();
            browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                Args = Arguments,
            });
            return browser;
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }
        playwright?.Dispose();
        gate.Dispose();
    }
}
