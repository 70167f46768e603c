using System.Net;
using System.Text;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Signing;

namespace Tunai.Gateway.Tests.BackOffice;

/// <summary>
/// The back office in Debian's Chromium against a real gateway on 127.0.0.1: signed in as the sandbox's first
/// Admin (read from the database, as data/sandbox.env would give it), clicking what a person would click.
/// </summary>
public sealed class BackOfficeBrowserTests(Browser browser) : IAsyncLifetime
{
    private GatewayHost _gateway = null!;
    private MerchantEndpoint _endpoint = null!;
    private TestMerchant _merchant = null!;

    public async ValueTask InitializeAsync()
    {
        _gateway = await GatewayHost.StartAsync();
        _endpoint = await MerchantEndpoint.StartAsync();
        _endpoint.Handler = _ => MerchantReply.Ok();
        _merchant = await _endpoint.RegisterAsync(_gateway);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _endpoint.DisposeAsync();
    }

    private string Url(string path) => new Uri(_gateway.BaseAddress, path).ToString();

    private async Task<(IBrowserContext Context, IPage Page)> SignedInAsync(string? email = null, string? password = null, int width = 1280)
    {
        if (email is null)
        {
            (email, password) = await BackOfficeAccounts.SandboxAdminAsync(_gateway);
        }
        return await browser.SignedInAsync(_gateway.BaseAddress, email, password!, width);
    }

    private async Task<(string Code, string Invoice, string RequestId)> CodeAsync(Action<Dictionary<string, object?>>? change = null)
    {
        var body = TestMerchant.ValidCreate();
        change?.Invoke(body);
        var requestId = Guid.NewGuid().ToString();
        var created = await _merchant.CreateAsync(body, requestId);
        Assert.True(created.Status == HttpStatusCode.OK, created.Body);
        return ((string)created.Json["online_to_offline_info"]!["payment_code"]!,
            (string)((Dictionary<string, object?>)body["order"]!)["invoice_number"]!, requestId);
    }

    private IReadOnlyList<MerchantCall> Notifications() => _endpoint.CallsTo(MerchantEndpoint.NotificationPath);

    [Fact]
    public async Task SignInShowsTheOverviewAndSignOutEndsIt()
    {
        var (code, _, _) = await CodeAsync();
        var (context, page) = await SignedInAsync(width: 480);
        await using var _ = context;

        Assert.Equal("1", await page.InnerTextAsync("#codes-created"));
        Assert.True(await page.Locator($"a[href='/backoffice/codes/{code}']").IsVisibleAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Artifacts.Screenshot("backoffice-overview-phone.png"), FullPage = true });
        await page.ClickAsync("text=Bahasa Indonesia");
        Assert.Equal("Ringkasan", await page.InnerTextAsync("h1"));
        Assert.Equal("id", await page.GetAttributeAsync("html", "lang"));

        await page.ClickAsync("#sign-out");
        await Browser.ArrivedAsync(page, new System.Text.RegularExpressions.Regex("/backoffice/sign-in"));
        await page.GotoAsync(Url("/backoffice"));
        Assert.Contains("/backoffice/sign-in", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FindsACodeByEachIdentifier()
    {
        var store = await TestStore.CreateAsync(_gateway);
        var (code, invoice, requestId) = await CodeAsync();
        var trxId = TestStore.NewTrxId();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000, trxId)).Status);
        var paymentId = (string)(await _gateway.RowAsync("SELECT payment_id FROM payments"))["payment_id"]!;
        var notificationRequestId = (string)(await _gateway.RowAsync("SELECT request_id FROM notifications"))["request_id"]!;
        var (other, _, _) = await CodeAsync();
        var (context, page) = await SignedInAsync();
        await using var _ = context;

        foreach (var identifier in new[] { code, invoice, paymentId, trxId, requestId, notificationRequestId })
        {
            await page.GotoAsync(Url("/backoffice/search"));
            await page.FillAsync("#q", identifier);
            await page.ClickAsync("#search");
            var results = page.Locator("table.codes tbody tr");
            Assert.Equal(1, await results.CountAsync());
            Assert.DoesNotContain(other, await results.InnerTextAsync(), StringComparison.Ordinal);
            await results.Locator("a").ClickAsync();
            await Browser.ArrivedAsync(page, Url($"/backoffice/codes/{code}"));
            Assert.Equal("PAID", await page.InnerTextAsync("#status"));
        }
    }

    [Fact]
    public async Task TheTimelineShowsAFailedThenDeliveredNotificationAndReplaySendsItAgain()
    {
        var calls = 0;
        _endpoint.Handler = call => call.Path == MerchantEndpoint.NotificationPath && Interlocked.Increment(ref calls) == 1
            ? new MerchantReply(500, "{\"busy\":true}") : MerchantReply.Ok();
        var store = await TestStore.CreateAsync(_gateway);
        var (code, _, _) = await CodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);
        await Eventually.WaitAsync(() => _gateway.CountAsync("SELECT attempts FROM notifications"), n => n == 1, "the failed attempt");
        _gateway.Time.Advance(TimeSpan.FromSeconds(10));
        await Eventually.WaitAsync(() => _gateway.CountAsync("SELECT count(*) FROM notifications WHERE status = 'DELIVERED'"), n => n == 1, "delivery");
        var (context, page) = await SignedInAsync();
        await using var _ = context;

        await page.GotoAsync(Url($"/backoffice/codes/{code}"));
        var attempts = page.Locator("table.attempts tr.attempt");
        Assert.Equal(2, await attempts.CountAsync());
        Assert.Equal("500", await attempts.Nth(0).Locator(".http-status").InnerTextAsync());
        Assert.Equal("200", await attempts.Nth(1).Locator(".http-status").InnerTextAsync());
        Assert.Contains("DELIVERED", await page.InnerTextAsync("section.notification h3"), StringComparison.Ordinal);
        var timeline = await page.InnerTextAsync("#timeline");
        foreach (var step in new[] { "Created", "Store PAYMENT", "Notification written", "Notification attempt 1", "Notification attempt 2" })
        {
            Assert.Contains(step, timeline, StringComparison.Ordinal);
        }
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Artifacts.Screenshot("backoffice-code-timeline.png"), FullPage = true });

        await page.ClickAsync("section.notification button.replay");

        Assert.Contains("being sent again", await page.InnerTextAsync("#message"), StringComparison.Ordinal);
        await Eventually.WaitAsync(() => Notifications().Count >= 3, "the replayed notification");
        Assert.Equal(Notifications()[0].Headers["Request-Id"], Notifications()[2].Headers["Request-Id"]);
    }

    [Fact]
    public async Task TheSimulatorPaysAndReversesAndTheMerchantIsNotified()
    {
        var (code, _, _) = await CodeAsync(body =>
            body["alfa_info"] = new Dictionary<string, object?> { ["receipt"] = new Dictionary<string, object?> { ["footer_message"] = "Terima kasih, sampai jumpa" } });
        var (context, page) = await SignedInAsync(width: 480);
        await using var _ = context;

        await page.GotoAsync(Url("/backoffice/sandbox/simulator"));
        await page.FillAsync("#code", code);
        await page.ClickAsync("#inquire");
        Assert.Equal("Rp150.000", await page.InnerTextAsync("#pos-amount"));
        Assert.Equal("Anton Budiman", await page.InnerTextAsync("#pos-customer"));
        await page.ClickAsync("#pay");
        var receipt = await page.InnerTextAsync("#receipt");
        Assert.Contains("Terima kasih, sampai jumpa", receipt, StringComparison.Ordinal);
        Assert.Contains(code, receipt, StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Artifacts.Screenshot("backoffice-simulator-receipt.png"), FullPage = true });
        await Eventually.WaitAsync(() => Notifications().Count >= 1, "the payment's notification");
        Assert.True(Notifications()[0].SignatureValid);
        Assert.Equal(code, (string)Notifications()[0].Json["online_to_offline_info"]!["payment_code"]!);
        // It went through the store API as ALFA, like a till: the store event says so.
        Assert.Equal(1, await _gateway.CountAsync(
            "SELECT count(*) FROM store_events e JOIN acquirers a ON a.id = e.acquirer_id WHERE a.code = 'ALFA' AND e.kind = 'PAYMENT' AND e.code = @c", ("c", code)));

        await page.ClickAsync("#reverse");

        Assert.Equal("success", await page.InnerTextAsync("#store-status"));
        await Eventually.WaitAsync(() => Notifications().Count >= 2, "the reversal's notification");
        Assert.Equal("REVERSED", (string)(await _gateway.RowAsync("SELECT status FROM payments"))["status"]!);
    }

    [Fact]
    public async Task TheTestClockPastExpiryShowsTheCodeExpiredOnItsPageAndInCheckStatus()
    {
        var (code, invoice, _) = await CodeAsync();
        var (context, page) = await SignedInAsync();
        await using var _ = context;
        await page.GotoAsync(Url($"/backoffice/codes/{code}"));
        Assert.Equal("ACTIVE", await page.InnerTextAsync("#status"));
        Assert.Equal(0, await page.Locator("#test-clock-banner").CountAsync());

        await page.GotoAsync(Url("/backoffice/sandbox/clock"));
        await page.FillAsync("#duration", "120");
        await page.ClickAsync("#forward");

        Assert.True(await page.Locator("#test-clock-banner").IsVisibleAsync());
        await page.GotoAsync(Url($"/backoffice/codes/{code}"));
        Assert.Equal("EXPIRED", await page.InnerTextAsync("#status"));
        Assert.True(await page.Locator("#test-clock-banner").IsVisibleAsync());
        var status = await _merchant.SendAsync(HttpMethod.Get, "/orders/v1/status/" + invoice, body: null);
        Assert.Equal(HttpStatusCode.OK, status.Status);
        Assert.Equal("EXPIRED", (string)status.Json["transaction"]!["status"]!);
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'sandbox.clock.forward'"));

        await page.GotoAsync(Url("/backoffice/sandbox/clock"));
        await page.ClickAsync("#reset");
        Assert.Equal(0, await page.Locator("#test-clock-banner").CountAsync());
        await page.GotoAsync(Url($"/backoffice/codes/{code}"));
        Assert.Equal("ACTIVE", await page.InnerTextAsync("#status"));
    }

    [Fact]
    public async Task TheSignatureDebuggerNamesTheDifferingLine()
    {
        const string path = "/alfa-online-to-offline/v2/payment-code";
        var body = "{\"order\":{\"invoice_number\":\"INV-1\",\"amount\":150000}}";
        var input = new SignatureInput(_merchant.ClientId, "9d3c0f0e-5b7e-4d0c-a7a5-2f54b1c7a001", "2026-11-30T08:00:00Z", path, Encoding.UTF8.GetBytes(body));
        // The sender hashed another body (its pretty-printed form): everything but the Digest line agrees.
        var theirs = Signature.StringToSign(input with { Body = Encoding.UTF8.GetBytes(body.Replace(",", ", ", StringComparison.Ordinal)) });
        var headers = $"Client-Id: {input.ClientId}\nRequest-Id: {input.RequestId}\nRequest-Timestamp: {input.Timestamp}\nSignature: {Signature.Sign(_merchant.SecretKey, theirs)}";
        var (context, page) = await SignedInAsync();
        await using var _ = context;

        await page.GotoAsync(Url("/backoffice/sandbox/signature"));
        await page.FillAsync("#headers", headers);
        await page.FillAsync("#target", path);
        await page.FillAsync("#body", body);
        await page.FillAsync("#secret", _merchant.SecretKey);
        await page.FillAsync("#theirs", theirs);
        await page.ClickAsync("#diagnose");

        Assert.Contains("does not match", await page.InnerTextAsync("#verdict"), StringComparison.Ordinal);
        Assert.Contains("Line 5 (Digest)", await page.InnerTextAsync("#differing-line"), StringComparison.Ordinal);
        Assert.Equal(Signature.StringToSign(input), (await page.InnerTextAsync("#string-to-sign")).TrimEnd('\n'));
        Assert.Equal(Signature.Compute(_merchant.SecretKey, input), await page.InnerTextAsync("#expected"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Artifacts.Screenshot("backoffice-signature-debugger.png"), FullPage = true });
    }

    [Fact]
    public async Task MainPagesHaveNoSeriousOrCriticalAccessibilityViolations()
    {
        var store = await TestStore.CreateAsync(_gateway);
        var (code, _, _) = await CodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);
        await Eventually.WaitAsync(() => Notifications().Count >= 1, "the notification");
        var (context, page) = await SignedInAsync();
        await using var _ = context;
        var pages = new[]
        {
            "/backoffice", $"/backoffice/search?q={code}", $"/backoffice/codes/{code}", "/backoffice/notifications",
            "/backoffice/merchants", $"/backoffice/merchants/{_merchant.ClientId}", "/backoffice/audit", "/backoffice/operators",
            "/backoffice/account", "/backoffice/sandbox/simulator", "/backoffice/sandbox/clock", "/backoffice/sandbox/signature",
            $"/backoffice/keys?merchant={_merchant.ClientId}", "/backoffice/keys?acquirer=ALFA",
        };
        var found = new List<string>();
        foreach (var path in pages)
        {
            await page.GotoAsync(Url(path));
            Assert.DoesNotContain("/backoffice/sign-in", page.Url, StringComparison.Ordinal);
            var name = path.Replace(code, "code", StringComparison.Ordinal).Replace(_merchant.ClientId, "merchant", StringComparison.Ordinal)
                .Trim('/').Replace('/', '-').Replace('?', '-').Replace('=', '-');
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Artifacts.Screenshot($"{name}.png"), FullPage = true });
            var results = await page.RunAxe();
            found.AddRange(results.Violations.Where(v => v.Impact is "serious" or "critical")
                .Select(v => $"{path}: {v.Id} ({v.Impact}) {string.Join(", ", v.Nodes.Select(n => n.Html))}"));
        }
        await page.GotoAsync(Url("/backoffice/sign-out"));
        var signIn = await browser.NewContextAsync();
        await using (signIn)
        {
            var anonymous = await signIn.NewPageAsync();
            await anonymous.GotoAsync(Url("/backoffice/sign-in"));
            found.AddRange((await anonymous.RunAxe()).Violations.Where(v => v.Impact is "serious" or "critical")
                .Select(v => $"sign-in: {v.Id} ({v.Impact})"));
        }
        Assert.True(found.Count == 0, string.Join("\n", found));
    }
}
