using System.Net;
using System.Text;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.BackOffice;

/// <summary>
/// Settlement and reconciliation in Debian's Chromium against a real gateway: an Operator closes the day, marks the
/// batch paid, uploads the store's file and records the payment Tunai never heard of; the merchant is notified.
/// </summary>
public sealed class BackOfficeMoneyBrowserTests(Browser browser) : IAsyncLifetime
{
    // 10:00 WIB on 30 November 2026.
    private static readonly DateTimeOffset Morning = new(2026, 11, 30, 3, 0, 0, TimeSpan.Zero);

    private GatewayHost _gateway = null!;
    private MerchantEndpoint _endpoint = null!;
    private TestMerchant _merchant = null!;
    private TestStore _store = null!;

    public async ValueTask InitializeAsync()
    {
        _gateway = await GatewayHost.StartAsync(Morning);
        _endpoint = await MerchantEndpoint.StartAsync();
        _endpoint.Handler = _ => MerchantReply.Ok();
        _merchant = await _endpoint.RegisterAsync(_gateway);
        _store = await TestStore.CreateAsync(_gateway, "RECON");
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _endpoint.DisposeAsync();
    }

    private string Url(string path) => new Uri(_gateway.BaseAddress, path).ToString();

    private async Task<(IBrowserContext Context, IPage Page)> SignedInAsync(string role)
    {
        var email = await BackOfficeAccounts.AddAsync(_gateway, role);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        // Through the overview's redirect to sign-in and back, as the other browser tests sign in.
        await page.GotoAsync(Url("/backoffice"));
        Assert.Contains("/backoffice/sign-in", page.Url, StringComparison.Ordinal);
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", BackOfficeAccounts.Password);
        await page.ClickAsync("#sign-in");
        await Browser.ArrivedAsync(page, Url("/backoffice"));
        return (context, page);
    }

    private async Task<string> CodeAsync(long amount)
    {
        var (code, _) = await _merchant.CreateCodeAsync(TestMerchant.ValidCreate(amount: amount));
        return code;
    }

    private IReadOnlyList<MerchantCall> Notifications() => _endpoint.CallsTo(MerchantEndpoint.NotificationPath);

    private static async Task<IReadOnlyList<string>> SeriousViolationsAsync(IPage page, string name) =>
        (await page.RunAxe()).Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{name}: {v.Id} ({v.Impact}) {string.Join(", ", v.Nodes.Select(n => n.Html))}").ToList();

    [Fact]
    public async Task AnOperatorClosesTheDayMarksTheBatchPaidAndRecordsAPaymentFromTheStoresFile()
    {
        var paid = await CodeAsync(150_000);
        Assert.Equal(HttpStatusCode.OK, (await _store.PayAsync(paid, 150_000, "T-1")).Status);
        await Eventually.WaitAsync(() => Notifications().Count >= 1, "the store payment's notification");
        var cash = await CodeAsync(50_000);
        var (context, page) = await SignedInAsync(Roles.Operator);
        await using var _ = context;
        var violations = new List<string>();

        // Settlement: close today early, open the batch, mark it paid.
        await page.GotoAsync(Url("/backoffice/settlements"));
        await page.FillAsync("#close-date", "2026-11-30");
        await page.ClickAsync("#close-day");
        Assert.Contains("1 batch", await page.InnerTextAsync("#message"), StringComparison.Ordinal);
        var batchId = $"STL-20261130-{_merchant.ClientId}";
        Assert.Equal(1, await page.Locator($"#batches tr#batch-{batchId}").CountAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Artifacts.Screenshot("backoffice-settlements.png"), FullPage = true });
        violations.AddRange(await SeriousViolationsAsync(page, "settlements"));

        await page.ClickAsync($"a[href='/backoffice/settlements/{batchId}']");
        await Browser.ArrivedAsync(page, Url($"/backoffice/settlements/{batchId}"));
        Assert.Equal("CLOSED", await page.InnerTextAsync("#status"));
        Assert.True(await page.Locator("#lines tr.line").CountAsync() >= 1);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Artifacts.Screenshot("backoffice-settlement-batch.png"), FullPage = true });
        violations.AddRange(await SeriousViolationsAsync(page, "settlement batch"));
        await page.FillAsync("#paid-reference", "BANK-TRF-0001");
        await page.ClickAsync("#mark-paid");
        Assert.Equal("PAID", await page.InnerTextAsync("#status"));
        Assert.Equal("BANK-TRF-0001", await page.InnerTextAsync("#reference"));
        Assert.Equal(0, await page.Locator("#mark-paid").CountAsync());

        // Reconciliation: the store's file lists the cash payment Tunai never heard of.
        var file = string.Join("\n",
            "trx_id,payment_code,amount,paid_at,store_id,terminal_id,status",
            $"T-1,{paid},150000,2026-11-30T02:50:00Z,TZ01,POS-02,PAID",
            $"CASH-1,{cash},50000,2026-11-30T02:10:00Z,TZ01,POS-01,PAID", "");
        await page.GotoAsync(Url("/backoffice/reconciliations?acquirer=RECON"));
        await page.SelectOptionAsync("#upload-acquirer", "RECON");
        await page.FillAsync("#upload-date", "2026-11-30");
        await page.SetInputFilesAsync("#upload-file", new FilePayload { Name = "recon-20261130.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(file) });
        await page.ClickAsync("#upload");
        await Browser.ArrivedAsync(page, new System.Text.RegularExpressions.Regex("/backoffice/reconciliations/REC-"));
        Assert.Equal("UNKNOWN_TO_TUNAI: 1", await page.InnerTextAsync("#count-UNKNOWN_TO_TUNAI"));
        Assert.Equal("MATCHED: 1", await page.InnerTextAsync("#count-MATCHED"));
        var reconciliationId = page.Url.Split("/backoffice/reconciliations/")[1];
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Artifacts.Screenshot("backoffice-reconciliation.png"), FullPage = true });
        violations.AddRange(await SeriousViolationsAsync(page, "reconciliation"));

        await page.ClickAsync("tr.row-UNKNOWN_TO_TUNAI button.resolve");

        Assert.Contains("recorded as payment", await page.InnerTextAsync("#message"), StringComparison.Ordinal);
        Assert.Contains("recorded as", await page.InnerTextAsync("tr.row-UNKNOWN_TO_TUNAI .resolved"), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("button.resolve").CountAsync());
        await Eventually.WaitAsync(() => Notifications().Any(n => (string?)n.Json["online_to_offline_info"]?["payment_code"] == cash), "the recorded payment's notification");
        // Delivery is at least once (a slow answer under load is sent again): every copy is signed.
        Assert.All(Notifications().Where(n => (string?)n.Json["online_to_offline_info"]?["payment_code"] == cash), n => Assert.True(n.SignatureValid));
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM payments WHERE trx_id = 'CASH-1' AND amount = 50000"));
        Assert.Equal(1, await _gateway.CountAsync(
            "SELECT count(*) FROM audit_log WHERE action = 'reconciliation.resolve' AND role = 'Operator' AND target LIKE @r AND after LIKE @r",
            ("r", $"%{reconciliationId}%")));
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'reconciliation.import' AND role = 'Operator'"));

        await page.GotoAsync(Url("/backoffice/reconciliations?acquirer=RECON"));
        Assert.Equal(1, await page.Locator($"#imports a[href='/backoffice/reconciliations/{reconciliationId}']").CountAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Artifacts.Screenshot("backoffice-reconciliations.png"), FullPage = true });
        violations.AddRange(await SeriousViolationsAsync(page, "reconciliations"));
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }
}
