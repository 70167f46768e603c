using System.Net;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Money;
using Tunai.Gateway.Tests.Store;
using static Tunai.Gateway.Tests.Money.MoneySetup;

namespace Tunai.Gateway.Tests.Money;

/// <summary>Payments and reversals through the store API, and what the ledger records of them.</summary>
public sealed class LedgerTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private GatewayHost Gateway => fixture.Gateway;

    private async Task<JsonNode> PaymentAsync(string paymentId)
    {
        var response = await Gateway.Admin.GetAsync($"/admin/v1/payments/{paymentId}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return GatewayHost.Json(text);
    }

    private static string PaymentIdOf(ApiResponse paid)
    {
        Assert.True(paid.Status == HttpStatusCode.OK, paid.Body);
        return (string)paid.Json["online_to_offline_payment"]!["payment_id"]!;
    }

    [Fact]
    public async Task APaymentsJournalSumsToZeroAndEachPayeeGetsExactlyWhatTheRulesSay()
    {
        var merchant = await Gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(Gateway, "LEDGER1");
        await Gateway.AddSettlementAccountsAsync(merchant.ClientId, "SBA-A", "SBA-B");
        await Gateway.AddSubAccountsAsync(merchant.ClientId, "SAC-1");
        await Gateway.SetFeeAsync(merchant.ClientId, new { @fixed = 4000, percent = "0.50" });
        await Gateway.SetCostAsync(store.AcquirerId, new { @fixed = 1500 });
        var (code, _) = await merchant.CreateCodeAsync(CodeWith(150_000, [Percent("SBA-B", 10), Fix("SBA-A", 50_000)], "SAC-1"));

        var payment = await PaymentAsync(PaymentIdOf(await store.PayAsync(code, 150_000)));

        // Worked by hand: fee 4,000 + 0.50 % × 150,000 = 4,750; net 145,250; FIX 50,000 first, then
        // floor(145,250 × 10 / 100) = 14,525; the rest, 80,725, to the sub-account. The store keeps 1,500.
        Assert.Equal(150_000, (long)payment["gross"]!);
        Assert.Equal(4_750, (long)payment["fee"]!);
        Assert.Equal(145_250, (long)payment["net"]!);
        Assert.Equal(1_500, (long)payment["acquirer_cost"]!);
        var splits = payment["splits"]!.AsArray().Select(s => ((string)s!["payee"]!, (string)s["payee_type"]!, (string)s["type"]!, (long)s["amount"]!)).ToList();
        Assert.Equal(
            [("SBA-A", "SETTLEMENT_ACCOUNT", "FIX", 50_000L), ("SBA-B", "SETTLEMENT_ACCOUNT", "PERCENTAGE", 14_525L), ("SAC-1", "SUB_ACCOUNT", "REMAINDER", 80_725L)],
            splits);
        var journal = Assert.Single(payment["journal"]!.AsArray());
        var postings = journal!["postings"]!.AsArray().ToDictionary(p => (string)p!["account"]!, p => (long)p!["amount"]!);
        Assert.Equal(new Dictionary<string, long>
        {
            ["acquirer:LEDGER1:receivable"] = 148_500,
            ["acquirer:LEDGER1:cost"] = 1_500,
            ["operator:fee_revenue"] = -4_750,
            [$"merchant:{merchant.ClientId}:settlement:SBA-A"] = -50_000,
            [$"merchant:{merchant.ClientId}:settlement:SBA-B"] = -14_525,
            [$"merchant:{merchant.ClientId}:sub:SAC-1"] = -80_725,
        }, postings);
        Assert.Equal(0, postings.Values.Sum());
        await Gateway.AssertBalancedAsync();
    }

    [Fact]
    public async Task WithoutFeeOrSplitsTheWholeAmountIsOwedToTheMerchantsBalance()
    {
        var merchant = await Gateway.CreateMerchantAsync();
        var (code, _) = await merchant.CreateCodeAsync(TestMerchant.ValidCreate(amount: 99_999));
        var payment = await PaymentAsync(PaymentIdOf(await fixture.Store.PayAsync(code, 99_999)));
        Assert.Equal(0, (long)payment["fee"]!);
        var split = Assert.Single(payment["splits"]!.AsArray());
        Assert.Equal(("merchant", "MERCHANT_BALANCE", 99_999L), ((string)split!["payee"]!, (string)split["payee_type"]!, (long)split["amount"]!));
        Assert.Equal(2, payment["journal"]![0]!["postings"]!.AsArray().Count);
    }

    [Fact]
    public async Task PercentagesAreFlooredAndTheRemainderKeepsTheRupiahsLeftOver()
    {
        var merchant = await Gateway.CreateMerchantAsync();
        await Gateway.AddSettlementAccountsAsync(merchant.ClientId, "SBA-A", "SBA-B", "SBA-C");
        var (code, _) = await merchant.CreateCodeAsync(CodeWith(100, [Percent("SBA-A", 33.33m), Percent("SBA-B", 33.33m), Percent("SBA-C", 33.34m)]));
        var payment = await PaymentAsync(PaymentIdOf(await fixture.Store.PayAsync(code, 100)));
        // floor(33.33), floor(33.33), floor(33.34): 33 + 33 + 33, and 1 rupiah left for the merchant's balance.
        Assert.Equal([33L, 33L, 33L, 1L], payment["splits"]!.AsArray().Select(s => (long)s!["amount"]!).ToList());
    }

    [Fact]
    public async Task AReversalWritesTheExactOppositeAndEveryAccountNetsToZero()
    {
        var merchant = await Gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(Gateway, "LEDGER2");
        await Gateway.AddSettlementAccountsAsync(merchant.ClientId, "SBA-A");
        await Gateway.SetFeeAsync(merchant.ClientId, new { percent = "1.00", min = 2000 });
        await Gateway.SetCostAsync(store.AcquirerId, new { percent = "0.25" });
        var (code, _) = await merchant.CreateCodeAsync(CodeWith(250_000, [Percent("SBA-A", 60)]));
        var trx = TestStore.NewTrxId();
        var paymentId = PaymentIdOf(await store.PayAsync(code, 250_000, trx));

        Assert.Equal(HttpStatusCode.OK, (await store.ReverseAsync(code, trx)).Status);
        // A retried reversal gets its first answer again; the journal below still holds one reversal.
        Assert.Equal(HttpStatusCode.OK, (await store.ReverseAsync(code, trx)).Status);

        var payment = await PaymentAsync(paymentId);
        Assert.Equal("REVERSED", (string)payment["status"]!);
        var journal = payment["journal"]!.AsArray();
        Assert.Equal(["PAYMENT", "REVERSAL"], journal.Select(j => (string)j!["kind"]!).ToList());
        var paid = journal[0]!["postings"]!.AsArray().Select(p => ((string)p!["account"]!, (long)p["amount"]!)).ToList();
        var reversed = journal[1]!["postings"]!.AsArray().Select(p => ((string)p!["account"]!, -(long)p["amount"]!)).ToList();
        Assert.Equal(paid, reversed);
        Assert.Equal(-(long)journal[0]!["net"]!, (long)journal[1]!["net"]!);
        Assert.Equal(0, await Gateway.CountAsync(
            "SELECT count(*) FROM (SELECT account FROM postings WHERE merchant_id = (SELECT id FROM merchants WHERE client_id = $c) GROUP BY account HAVING sum(amount) <> 0) AS open_accounts",
            ("$c", merchant.ClientId)));

        // Paid again after the reversal: a second payment with a journal of its own.
        PaymentIdOf(await store.PayAsync(code, 250_000));
        await Gateway.AssertBalancedAsync();
    }

    [Fact]
    public async Task AReversalOfAPaymentWithoutAJournalTransactionFailsAndChangesNothing()
    {
        // A gateway of its own: the payment without a journal would unbalance the shared one's books for the other tests.
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(gateway, "LEDGER5");
        var (code, _) = await merchant.CreateCodeAsync(TestMerchant.ValidCreate(amount: 80_000));
        var trx = TestStore.NewTrxId();
        // A payment the ledger never saw (written without the payment path, which always writes its journal).
        var now = gateway.Time.GetUtcNow().ToUnixTimeMilliseconds();
        await gateway.ExecuteAsync(
            """
            INSERT INTO payments (payment_id, payment_code_id, merchant_id, acquirer_id, trx_id, code, invoice_number, amount, status,
                agent_id, store_id, terminal_id, store_date, additional_info, paid_at)
            SELECT 'PAY-NOJOURNAL', c.id, c.merchant_id, a.id, $trx, c.code, c.invoice_number, c.amount, 'SUCCESS',
                'AGENT', 'TZ01', NULL, '2026-11-23T03:15:00Z', NULL, $now
            FROM payment_codes c, acquirers a WHERE c.code = $code AND a.code = $acquirer
            """, ("$trx", trx), ("$now", now), ("$code", code), ("$acquirer", store.AcquirerId));
        await gateway.ExecuteAsync("UPDATE payment_codes SET status = 'PAID', paid_at = $now WHERE code = $code", ("$now", now), ("$code", code));

        // Reversing it would leave the books saying the money is still owed: the reversal fails, loudly, and keeps nothing.
        var reversed = await store.ReverseAsync(code, trx);
        Assert.Equal(HttpStatusCode.InternalServerError, reversed.Status);
        Assert.Equal("SUCCESS", (string)(await gateway.RowAsync("SELECT status FROM payments WHERE payment_id = 'PAY-NOJOURNAL'"))["status"]!);
        Assert.Equal("PAID", (string)(await gateway.RowAsync("SELECT status FROM payment_codes WHERE code = $c", ("$c", code)))["status"]!);
        Assert.Equal(0, await gateway.CountAsync(
            "SELECT count(*) FROM notifications n JOIN payments p ON p.id = n.payment_id WHERE p.payment_id = 'PAY-NOJOURNAL'"));
        Assert.Equal(0, await gateway.CountAsync(
            "SELECT count(*) FROM journal_transactions j JOIN payments p ON p.id = j.payment_id WHERE p.payment_id = 'PAY-NOJOURNAL'"));
        Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM store_transactions WHERE trx_id = $t", ("$t", trx)));
    }

    [Fact]
    public async Task ARefusedPaymentWritesNothingToTheLedger()
    {
        var merchant = await Gateway.CreateMerchantAsync();
        var (code, _) = await merchant.CreateCodeAsync();
        var before = await Gateway.CountAsync("SELECT count(*) FROM journal_transactions");
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.Store.PayAsync(code, 149_999)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Store.PayAsync("999999999999", 1)).Status);
        Assert.Equal(before, await Gateway.CountAsync("SELECT count(*) FROM journal_transactions"));
    }

    [Fact]
    public async Task TheDatabaseRefusesToChangeOrDeleteAPosting()
    {
        var merchant = await Gateway.CreateMerchantAsync();
        var (code, _) = await merchant.CreateCodeAsync();
        PaymentIdOf(await fixture.Store.PayAsync(code, 150_000));
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => Gateway.ExecuteAsync("UPDATE postings SET amount = amount + 1"));
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => Gateway.ExecuteAsync("DELETE FROM postings"));
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => Gateway.ExecuteAsync("DELETE FROM journal_transactions"));
        await Gateway.AssertBalancedAsync();
    }

    [Fact]
    public async Task AnUnknownPaymentIsNotFound()
    {
        var response = await Gateway.Admin.GetAsync("/admin/v1/payments/PAY-NOPE");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Gateway.Http.GetAsync("/admin/v1/payments/PAY-NOPE")).StatusCode);
    }
}
