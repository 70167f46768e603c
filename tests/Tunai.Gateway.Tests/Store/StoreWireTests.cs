using System.Net;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Store;

/// <summary>
/// What the till gets back on a payment and on retries, sent as a POS sends it: insurance data, footer and every
/// info line on the receipt; the first answer to a retried reversal; and a payment resent after its reversal
/// declined as reversed rather than confirmed again.
/// </summary>
public sealed class StoreWireTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private TestMerchant Merchant => fixture.Merchant;
    private TestStore Store => fixture.Store;
    private GatewayHost Gateway => fixture.Gateway;

    private async Task<string> CodeWithEverythingAsync()
    {
        var body = TestMerchant.ValidCreate(amount: 150000);
        body["online_to_offline_info"] = new { expired_time = 60, reusable_status = false, info1 = "Baris satu", info2 = "Baris dua", info3 = "Baris tiga" };
        body["alfa_info"] = new { receipt = new { footer_message = "Call Center 021 555-0525" } };
        body["additional_info"] = new { insurance_info = new { policy_type = "Dana Pendidikan", policy_number = "9090901234" } };
        var (code, _) = await Merchant.CreateCodeAsync(body);
        return code;
    }

    [Fact]
    public async Task PaymentAnswerCarriesInsuranceInfoFooterAndEveryInfoLineForTheReceipt()
    {
        var code = await CodeWithEverythingAsync();

        var paid = await Store.PayAsync(code, 150000);

        Assert.Equal(HttpStatusCode.OK, paid.Status);
        var json = paid.Json;
        Assert.Equal("9090901234", (string?)json["additional_info"]!["insurance_info"]!["policy_number"]);
        Assert.Equal("Dana Pendidikan", (string?)json["additional_info"]!["insurance_info"]!["policy_type"]);
        Assert.Equal("Call Center 021 555-0525", (string?)json["alfa_info"]!["receipt"]!["footer_message"]);
        var info = json["online_to_offline_info"]!;
        Assert.Equal(("Baris satu", "Baris dua", "Baris tiga"), ((string?)info["info"], (string?)info["info2"], (string?)info["info3"]));
    }

    [Fact]
    public async Task InquiryAnswerCarriesEveryInfoLine()
    {
        var code = await CodeWithEverythingAsync();

        var info = (await Store.InquiryAsync(code)).Json["online_to_offline_info"]!;

        Assert.Equal(("Baris satu", "Baris dua", "Baris tiga"), ((string?)info["info"], (string?)info["info2"], (string?)info["info3"]));
    }

    [Fact]
    public async Task AReversalRetriedWithTheSameTrxIdGetsItsFirstAnswerAgain()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        var trx = TestStore.NewTrxId();
        Assert.Equal(HttpStatusCode.OK, (await Store.PayAsync(code, 150000, trx)).Status);

        var first = await Store.ReverseAsync(code, trx);
        var retry = await Store.ReverseAsync(code, trx);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("success", (string?)first.Json["status"]);
        Assert.Equal(first.Status, retry.Status);
        Assert.Equal(first.Body, retry.Body);
        Assert.Equal(1, await Gateway.CountAsync(
            "SELECT count(*) FROM notifications n JOIN payments p ON p.id = n.payment_id WHERE p.trx_id = $t AND n.event = 'FAILED'", ("$t", trx)));
    }

    [Fact]
    public async Task AReversalUnderItsTrxIdWithAnotherBodyIsRefusedAndRecorded()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        var trx = TestStore.NewTrxId();
        await Store.PayAsync(code, 150000, trx);
        Assert.Equal(HttpStatusCode.OK, (await Store.ReverseAsync(code, trx)).Status);

        var other = await Store.SendAsync(TestStore.ReversalPath,
            new JsonObject { ["online_to_offline_info"] = new JsonObject { ["payment_code"] = code }, ["trx_id"] = trx, ["date"] = "2026-11-23T04:00:00Z" }.ToJsonString());

        Assert.Equal(HttpStatusCode.BadRequest, other.Status);
        Assert.Equal("trx_id_reused", (string?)other.Json["reason"]);
        Assert.Equal(1, await Gateway.CountAsync(
            "SELECT count(*) FROM store_events WHERE kind = 'REVERSAL' AND trx_id = $t AND reason = 'trx_id_reused'", ("$t", trx)));
    }

    [Fact]
    public async Task AReversalBeforeItsPaymentArrivedSucceedsWhenRetriedAfterThePayment()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        var trx = TestStore.NewTrxId();

        var early = await Store.ReverseAsync(code, trx);
        Assert.Equal(HttpStatusCode.NotFound, early.Status);
        await Store.PayAsync(code, 150000, trx);
        var retried = await Store.ReverseAsync(code, trx);

        Assert.Equal(HttpStatusCode.OK, retried.Status);
        Assert.Equal("REVERSED", (await Gateway.RowAsync("SELECT status FROM payments WHERE trx_id = $t", ("$t", trx)))["status"]);
    }

    /// <summary>
    /// Issue: pay with trx_id T, reverse it, send the identical payment again. The till must not be told success
    /// (it would hand over the goods for a code that is unpaid again, and the merchant was told FAILED).
    /// </summary>
    [Fact]
    public async Task APaymentResentAfterItsReversalIsDeclinedAsReversedAndRecorded()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        var trx = TestStore.NewTrxId();
        var paid = await Store.PayAsync(code, 150000, trx);
        Assert.Equal(HttpStatusCode.OK, paid.Status);
        var paymentId = (string)paid.Json["online_to_offline_payment"]!["payment_id"]!;
        Assert.Equal(HttpStatusCode.OK, (await Store.ReverseAsync(code, trx)).Status);

        var resent = await Store.PayAsync(code, 150000, trx);

        Assert.Equal(HttpStatusCode.BadRequest, resent.Status);
        Assert.Equal("decline", TestStore.StatusOf(resent));
        Assert.Contains("reversed", (string?)resent.Json["online_to_offline_payment"]!["message"] ?? "", StringComparison.Ordinal);
        Assert.Null(resent.Json["online_to_offline_payment"]!["payment_id"]);
        Assert.Equal("ACTIVE", (await Gateway.RowAsync("SELECT status FROM payment_codes WHERE code = $c", ("$c", code)))["status"]);
        Assert.Equal(1, await Gateway.CountAsync("SELECT count(*) FROM payments WHERE trx_id = $t", ("$t", trx)));
        var recorded = await Gateway.RowAsync(
            "SELECT outcome, reason, payment_id FROM store_events WHERE kind = 'PAYMENT' AND trx_id = $t ORDER BY id DESC LIMIT 1", ("$t", trx));
        Assert.Equal(("decline", "payment_reversed", paymentId), ((string?)recorded["outcome"], (string?)recorded["reason"], (string?)recorded["payment_id"]));

        // The code is payable again under a new trx_id.
        Assert.Equal(HttpStatusCode.OK, (await Store.PayAsync(code, 150000)).Status);
    }

    [Fact]
    public async Task APaymentRetriedBeforeAnyReversalStillGetsItsFirstAnswer()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        var trx = TestStore.NewTrxId();
        var first = await Store.PayAsync(code, 150000, trx);

        var retry = await Store.PayAsync(code, 150000, trx);

        Assert.Equal(HttpStatusCode.OK, retry.Status);
        Assert.Equal(first.Body, retry.Body);
    }

    /// <summary>
    /// Two acquirer connections of the Alfa channel (as during a key change), with codes of the operator's choosing:
    /// the merchant sees acquirer.id ALFA in every notification and direct inquiry, whichever connection was used.
    /// </summary>
    [Fact]
    public async Task EveryConnectionOfTheAlfaChannelIsAlfaOnTheWire()
    {
        await using var endpoint = await MerchantEndpoint.StartAsync();
        var merchant = await endpoint.RegisterAsync(Gateway);
        var connections = new[] { await TestStore.CreateAsync(Gateway, "ALFA_OLD_KEY"), await TestStore.CreateAsync(Gateway, "ALFA_NEW_KEY") };
        foreach (var store in connections)
        {
            var (code, _) = await merchant.CreateCodeAsync();
            Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);
            var unknown = merchant.CodePrefix + string.Concat(Enumerable.Range(0, 16 - merchant.CodePrefix.Length).Select(_ => (char)('0' + Random.Shared.Next(10))));
            await store.InquiryAsync(unknown);
        }

        await Eventually.WaitAsync(() => endpoint.CallsTo(MerchantEndpoint.NotificationPath).Count == 2, "both notifications");
        Assert.All(endpoint.CallsTo(MerchantEndpoint.NotificationPath), call => Assert.Equal("ALFA", (string?)call.Json["acquirer"]!["id"]));
        var inquiries = endpoint.CallsTo(MerchantEndpoint.InquiryPath);
        Assert.Equal(2, inquiries.Count);
        Assert.All(inquiries, call => Assert.Equal("ALFA", (string?)call.Json["acquirer"]!["id"]));
    }
}
