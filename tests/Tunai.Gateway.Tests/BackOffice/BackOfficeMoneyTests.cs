using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.BackOffice;

/// <summary>
/// Settlement and reconciliation pages by role, over HTTP: who sees which batch, and that what a role may not do is
/// refused by the server (the database unchanged), whatever the page showed.
/// </summary>
public sealed class BackOfficeMoneyTests : IAsyncLifetime
{
    // 10:00 WIB on 30 November 2026.
    private static readonly DateTimeOffset Morning = new(2026, 11, 30, 3, 0, 0, TimeSpan.Zero);

    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await GatewayHost.StartAsync(Morning);

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    private async Task<BackOfficeHttp> SignedInAsync(string role, long? merchantId = null)
    {
        var client = new BackOfficeHttp(_gateway);
        var signIn = await client.SignInAsync(await BackOfficeAccounts.AddAsync(_gateway, role, merchantId), BackOfficeAccounts.Password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.Status);
        return client;
    }

    /// <summary>A merchant paid once at a store today, and today closed for it through the admin API: its batch id.</summary>
    private async Task<(TestMerchant Merchant, string BatchId)> PaidAndClosedAsync(TestStore store, string name)
    {
        var merchant = await _gateway.CreateMerchantAsync(new { name });
        var (code, _) = await merchant.CreateCodeAsync(TestMerchant.ValidCreate(amount: 40_000));
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 40_000)).Status);
        var closed = await _gateway.Admin.PostAsJsonAsync("/admin/v1/settlements/close", new { date = "2026-11-30", client_id = merchant.ClientId });
        var text = await closed.Content.ReadAsStringAsync();
        Assert.True(closed.StatusCode == HttpStatusCode.OK, text);
        return (merchant, (string)GatewayHost.Json(text)["items"]![0]!["id"]!);
    }

    /// <summary>A file of the store's day listing one cash payment Tunai never heard of: the import's id and the row's line.</summary>
    private async Task<(string Id, int Line)> UnknownRowAsync(TestStore store, TestMerchant merchant)
    {
        var (code, _) = await merchant.CreateCodeAsync(TestMerchant.ValidCreate(amount: 50_000));
        var csv = $"trx_id,payment_code,amount,paid_at,store_id,terminal_id,status\nCASH-1,{code},50000,2026-11-30T02:10:00Z,TZ01,POS-01,PAID\n";
        using var content = new StringContent(csv, Encoding.UTF8, "text/csv");
        var imported = GatewayHost.Json(await (await _gateway.Admin.PostAsync($"/admin/v1/acquirers/{store.AcquirerId}/reconciliations?date=2026-11-30", content))
            .Content.ReadAsStringAsync());
        var row = imported["rows"]!.AsArray().Single(r => (string)r!["class"]! == "UNKNOWN_TO_TUNAI")!;
        return ((string)imported["id"]!, (int)row["line"]!);
    }

    [Fact]
    public async Task AViewerSeesSettlementsButEveryMoneyChangeIsRefusedByTheServer()
    {
        var store = await TestStore.CreateAsync(_gateway, "RECON");
        var (merchant, batchId) = await PaidAndClosedAsync(store, "Toko Lihat");
        var (reconciliation, line) = await UnknownRowAsync(store, merchant);
        using var viewer = await SignedInAsync(Roles.Viewer);

        var list = await viewer.GetAsync("/backoffice/settlements");
        var batch = await viewer.GetAsync($"/backoffice/settlements/{batchId}");
        var imports = await viewer.GetAsync("/backoffice/reconciliations?acquirer=RECON");
        var differences = await viewer.GetAsync($"/backoffice/reconciliations/{reconciliation}");

        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Contains(batchId, list.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, batch.Status);
        Assert.Contains("id=\"payout\"", batch.Body, StringComparison.Ordinal);
        Assert.Contains(reconciliation, imports.Body, StringComparison.Ordinal);
        Assert.Contains("CASH-1", differences.Body, StringComparison.Ordinal);
        foreach (var hidden in new[] { "id=\"close-day\"", "id=\"mark-paid\"", "id=\"upload\"", "class=\"resolve\"" })
        {
            Assert.DoesNotContain(hidden, list.Body + batch.Body + imports.Body + differences.Body, StringComparison.Ordinal);
        }

        // The same posts an Operator's pages make, sent by the Viewer's session: refused, nothing changes.
        var paid = await viewer.PostAsync($"/backoffice/settlements/{batchId}", "paid", [new("Reference", "BANK-1")]);
        var closed = await viewer.PostAsync("/backoffice/settlements", "close", [new("CloseDate", "2026-11-30"), new("CloseMerchant", "")]);
        var uploaded = await viewer.PostAsync("/backoffice/reconciliations", "upload", [new("UploadAcquirer", "RECON"), new("UploadDate", "2026-11-30")]);
        var resolved = await viewer.PostAsync($"/backoffice/reconciliations/{reconciliation}", $"resolve-{line}");

        Assert.All([paid, closed, uploaded, resolved], answer => Assert.NotEqual(HttpStatusCode.OK, answer.Status));
        Assert.Equal(0, await _gateway.CountAsync("SELECT count(*) FROM settlement_batches WHERE status = 'PAID'"));
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM settlement_batches"));
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM reconciliations"));
        Assert.Equal(0, await _gateway.CountAsync("SELECT count(*) FROM reconciliation_rows WHERE resolved_payment_id IS NOT NULL"));
        Assert.Equal(0, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE role = 'Viewer'"));
    }

    [Fact]
    public async Task AnOperatorMarksABatchPaidAndClosesADayAndBothAreAudited()
    {
        var store = await TestStore.CreateAsync(_gateway, "RECON");
        var (_, batchId) = await PaidAndClosedAsync(store, "Toko Bayar");
        var other = await _gateway.CreateMerchantAsync(new { name = "Toko Tutup" });
        var (code, _) = await other.CreateCodeAsync(TestMerchant.ValidCreate(amount: 20_000));
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 20_000)).Status);
        using var operatorUser = await SignedInAsync(Roles.Operator);
        await operatorUser.GetAsync($"/backoffice/settlements/{batchId}");

        var paid = await operatorUser.PostAsync($"/backoffice/settlements/{batchId}", "paid", [new("Reference", "BANK-REF-77")]);
        await operatorUser.GetAsync("/backoffice/settlements");
        var closed = await operatorUser.PostAsync("/backoffice/settlements", "close", [new("CloseDate", "2026-11-30"), new("CloseMerchant", other.ClientId)]);
        var tomorrow = await operatorUser.PostAsync("/backoffice/settlements", "close", [new("CloseDate", "2026-12-01"), new("CloseMerchant", "")]);

        Assert.Equal(HttpStatusCode.OK, paid.Status);
        Assert.Contains("BANK-REF-77", paid.Body, StringComparison.Ordinal);
        var batch = await _gateway.RowAsync("SELECT status, paid_reference FROM settlement_batches WHERE batch_id = @b", ("b", batchId));
        Assert.Equal(("PAID", "BANK-REF-77"), ((string)batch["status"]!, (string)batch["paid_reference"]!));
        Assert.Contains($"STL-20261130-{other.ClientId}", closed.Body, StringComparison.Ordinal);
        Assert.Contains("id=\"error\"", tomorrow.Body, StringComparison.Ordinal);
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'settlement.paid' AND role = 'Operator' AND target = @b", ("b", batchId)));
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'settlement.close' AND role = 'Operator'"));
        // The admin API's close is audited too, as the bearer token.
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'settlement.close' AND role = 'AdminApi'"));
    }

    [Fact]
    public async Task AMerchantUserSeesOnlyItsOwnBatchesAndNoReconciliation()
    {
        var store = await TestStore.CreateAsync(_gateway, "RECON");
        var (mine, myBatch) = await PaidAndClosedAsync(store, "Toko Saya");
        var (other, theirBatch) = await PaidAndClosedAsync(store, "Toko Lain");
        var (reconciliation, line) = await UnknownRowAsync(store, mine);
        using var merchantUser = await SignedInAsync(Roles.Merchant, await BackOfficeAccounts.MerchantIdAsync(_gateway, mine.ClientId));

        var list = await merchantUser.GetAsync("/backoffice/settlements");
        var filtered = await merchantUser.GetAsync($"/backoffice/settlements?merchant={Uri.EscapeDataString(other.ClientId)}");
        var own = await merchantUser.GetAsync($"/backoffice/settlements/{myBatch}");
        var theirs = await merchantUser.GetAsync($"/backoffice/settlements/{theirBatch}");
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = merchantUser.Cookies, AllowAutoRedirect = false }) { BaseAddress = _gateway.BaseAddress };
        using var ownCsv = await http.GetAsync($"/backoffice/settlements/{myBatch}/payout.csv");
        using var theirCsv = await http.GetAsync($"/backoffice/settlements/{theirBatch}/payout.csv");
        var imports = await merchantUser.GetAsync("/backoffice/reconciliations");
        var differences = await merchantUser.GetAsync($"/backoffice/reconciliations/{reconciliation}");
        var resolved = await merchantUser.PostAsync($"/backoffice/reconciliations/{reconciliation}", $"resolve-{line}");
        var paid = await merchantUser.PostAsync($"/backoffice/settlements/{myBatch}", "paid", [new("Reference", "MINE")]);

        Assert.Contains(myBatch, list.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(theirBatch, list.Body + filtered.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, own.Status);
        Assert.Equal(HttpStatusCode.NotFound, theirs.Status);
        Assert.DoesNotContain("id=\"lines\"", theirs.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, ownCsv.StatusCode);
        Assert.StartsWith("bank_code,account_number,account_name,amount,reference,payee_type,payee\r\n", await ownCsv.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, theirCsv.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, imports.Status);
        Assert.Equal(HttpStatusCode.NotFound, differences.Status);
        Assert.DoesNotContain("CASH-1", differences.Body, StringComparison.Ordinal);
        Assert.NotEqual(HttpStatusCode.OK, resolved.Status);
        Assert.NotEqual(HttpStatusCode.OK, paid.Status);
        Assert.Equal(0, await _gateway.CountAsync("SELECT count(*) FROM settlement_batches WHERE status = 'PAID'"));
        Assert.Equal(0, await _gateway.CountAsync("SELECT count(*) FROM reconciliation_rows WHERE resolved_payment_id IS NOT NULL"));
    }

    [Fact]
    public async Task ThePayoutFileIsTheAdminApisFileAndNeedsASession()
    {
        var store = await TestStore.CreateAsync(_gateway, "RECON");
        var (_, batchId) = await PaidAndClosedAsync(store, "Toko Berkas");
        using var viewer = await SignedInAsync(Roles.Viewer);
        using var signedIn = new HttpClient(new HttpClientHandler { CookieContainer = viewer.Cookies, AllowAutoRedirect = false }) { BaseAddress = _gateway.BaseAddress };
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _gateway.BaseAddress };

        using var file = await signedIn.GetAsync($"/backoffice/settlements/{batchId}/payout.csv");
        using var none = await anonymous.GetAsync($"/backoffice/settlements/{batchId}/payout.csv");

        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal(await _gateway.Admin.GetStringAsync($"/admin/v1/settlements/{batchId}/payout.csv"), await file.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, none.StatusCode);
        Assert.Contains("/backoffice/sign-in", none.Headers.Location!.ToString(), StringComparison.Ordinal);
    }
}
