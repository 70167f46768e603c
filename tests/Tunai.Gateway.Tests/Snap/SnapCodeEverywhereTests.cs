using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Money;

namespace Tunai.Gateway.Tests.Snap;

/// <summary>
/// One code, either protocol (issue 30, item 4): a code created over SNAP, paid at the store API, is booked, settled,
/// reconciled and shown in the back office exactly as a code created over the Alfa O2O API, and both status calls see it.
/// </summary>
public sealed class SnapCodeEverywhereTests
{
    // 10:00 WIB on 30 November 2026.
    private static readonly DateTimeOffset Morning = new(2026, 11, 30, 3, 0, 0, TimeSpan.Zero);

    /// <summary>What the ledger says of a payment, without its ids.</summary>
    private static object Booked(JsonNode payment) => new
    {
        Status = (string)payment["status"]!,
        Gross = (long)payment["gross"]!,
        Fee = (long)payment["fee"]!,
        Net = (long)payment["net"]!,
        Cost = (long)payment["acquirer_cost"]!,
        Splits = string.Join(";", payment["splits"]!.AsArray().Select(s => $"{s!["payee"]}/{s["payee_type"]}/{s["type"]}/{s["amount"]}")),
        Journal = string.Join(";", payment["journal"]!.AsArray().Select(j => $"{j!["kind"]}:" + string.Join(",",
            j["postings"]!.AsArray().Select(p => $"{p!["account"]}={p["amount"]}").Order(StringComparer.Ordinal)))),
    };

    [Fact]
    public async Task ACodeCreatedOverSnapIsPaidBookedSettledReconciledAndShownLikeAnyOtherAndBothStatusCallsSeeIt()
    {
        await using var gateway = await GatewayHost.StartAsync(Morning);
        using var snap = await SnapMerchant.CreateAsync(gateway);
        var merchant = snap.Merchant;
        var store = await TestStore.CreateAsync(gateway, "SNAPALL");
        await gateway.SetFeeAsync(merchant.ClientId, new { @fixed = 2000 });
        var token = await snap.TokenAsync();

        // The same bill twice: over SNAP, and over the Alfa O2O API.
        var snapBody = snap.CreateBody(amount: 150_000);
        var trxId = (string)snapBody["trxId"]!;
        var (snapCode, _) = await snap.CreateCodeAsync(token, snapBody);
        var (alfaCode, _) = await merchant.CreateCodeAsync(TestMerchant.ValidCreate(amount: 150_000));
        var payments = new Dictionary<string, (string PaymentId, string Trx)>();
        foreach (var code in new[] { snapCode, alfaCode })
        {
            var trx = TestStore.NewTrxId();
            var paid = await store.PayAsync(code, 150_000, trx);
            Assert.True(paid.Status == HttpStatusCode.OK, paid.Body);
            payments[code] = ((string)paid.Json["online_to_offline_payment"]!["payment_id"]!, trx);
        }

        // Ledger: the same journal, fee and splits.
        var booked = new Dictionary<string, JsonNode>();
        foreach (var (code, (paymentId, _)) in payments)
        {
            booked[code] = GatewayHost.Json(await gateway.Admin.GetStringAsync($"/admin/v1/payments/{paymentId}"));
        }
        Assert.Equal(Booked(booked[alfaCode]), Booked(booked[snapCode]));
        Assert.Equal((150_000L, 2_000L, 148_000L), ((long)booked[snapCode]["gross"]!, (long)booked[snapCode]["fee"]!, (long)booked[snapCode]["net"]!));
        await gateway.AssertBalancedAsync();

        // Settlement: both in the day's batch, owed to the merchant.
        var closed = await gateway.Admin.PostAsJsonAsync("/admin/v1/settlements/close", new { date = "2026-11-30", client_id = merchant.ClientId });
        var closedText = await closed.Content.ReadAsStringAsync();
        Assert.True(closed.StatusCode == HttpStatusCode.OK, closedText);
        var batchId = (string)GatewayHost.Json(closedText)["items"]![0]!["id"]!;
        var batch = GatewayHost.Json(await gateway.Admin.GetStringAsync($"/admin/v1/settlements/{batchId}"));
        Assert.Equal(296_000, (long)batch["total"]!);
        Assert.Equal(1, await gateway.CountAsync(
            """
            SELECT count(DISTINCT j.payment_id) FROM settled_postings s JOIN settlement_batches b ON b.id = s.batch_id
            JOIN postings p ON p.id = s.posting_id JOIN journal_transactions j ON j.id = p.journal_id JOIN payments y ON y.id = j.payment_id
            WHERE b.batch_id = $b AND y.payment_id = $p
            """, ("$b", batchId), ("$p", payments[snapCode].PaymentId)));

        // Reconciliation: the store's file matches both.
        var csv = string.Join("\r\n",
            "trx_id,payment_code,amount,paid_at,store_id,terminal_id,status",
            $"{payments[snapCode].Trx},{snapCode},150000,2026-11-30T03:00:00Z,TZ01,POS-01,PAID",
            $"{payments[alfaCode].Trx},{alfaCode},150000,2026-11-30T03:00:00Z,TZ01,POS-01,PAID",
            "");
        using var file = new StringContent(csv, System.Text.Encoding.UTF8, "text/csv");
        var imported = await gateway.Admin.PostAsync($"/admin/v1/acquirers/{store.AcquirerId}/reconciliations?date=2026-11-30", file);
        var importedText = await imported.Content.ReadAsStringAsync();
        Assert.True(imported.StatusCode == HttpStatusCode.OK, importedText);
        Assert.Equal(2, (int)GatewayHost.Json(importedText)["counts"]!["MATCHED"]!);

        // Back office: the code's page and a search by its trxId.
        using var viewer = new BackOfficeHttp(gateway);
        Assert.Equal(HttpStatusCode.Redirect, (await viewer.SignInAsync(await BackOfficeAccounts.AddAsync(gateway, Tunai.Gateway.BackOffice.Roles.Viewer), BackOfficeAccounts.Password)).Status);
        var page = await viewer.GetAsync($"/backoffice/codes/{snapCode}");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("class=\"status-PAID\">PAID</dd>", page.Body, StringComparison.Ordinal);
        Assert.Contains($"<dd id=\"invoice\">{trxId}</dd>", page.Body, StringComparison.Ordinal);
        Assert.Contains(payments[snapCode].Trx, page.Body, StringComparison.Ordinal);
        var search = await viewer.GetAsync($"/backoffice/search?q={Uri.EscapeDataString(trxId)}");
        Assert.Contains($"/backoffice/codes/{snapCode}", search.Body, StringComparison.Ordinal);

        // Both status calls.
        var status = await snap.SendAsync(HttpMethod.Post, SnapMerchant.StatusPath, snap.KeyBody(snapCode).ToJsonString(), token);
        status.AssertCode("2002600");
        Assert.Equal(("00", "PAID", payments[snapCode].Trx),
            ((string)status.Json["virtualAccountData"]!["paymentFlagStatus"]!, (string)status.Json["additionalInfo"]!["trxStatus"]!,
             (string)status.Json["virtualAccountData"]!["referenceNo"]!));
        var plain = await merchant.SendAsync(HttpMethod.Get, "/orders/v1/status/" + trxId, body: null);
        Assert.True(plain.Status == HttpStatusCode.OK, plain.Body);
        Assert.Equal(("SUCCESS", snapCode, payments[snapCode].PaymentId),
            ((string)plain.Json["transaction"]!["status"]!, (string)plain.Json["online_to_offline_info"]!["payment_code"]!,
             (string)plain.Json["online_to_offline_payment"]!["payment_id"]!));
    }
}
