using System.Globalization;
using System.Net;
using System.Text.Json;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Storage;

namespace Tunai.Gateway.Tests.Store;

public sealed class InquiryAndPaymentTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private TestMerchant Merchant => fixture.Merchant;
    private TestStore Store => fixture.Store;
    private GatewayHost Gateway => fixture.Gateway;

    private static Dictionary<string, object?> WithReceiptAndInsurance()
    {
        var body = TestMerchant.ValidCreate(amount: 150000);
        body["alfa_info"] = new { receipt = new { footer_message = "Call Center 021 555-0525" } };
        body["additional_info"] = new { insurance_info = new { policy_number = "9090901234" } };
        return body;
    }

    [Fact]
    public async Task InquiryOfAnActiveCodeShowsWhatThePosDisplays()
    {
        var (code, created) = await Merchant.CreateCodeAsync(WithReceiptAndInsurance());
        var response = await Store.InquiryAsync(code);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var json = response.Json;
        Assert.Equal("success", (string)json["online_to_offline_inquiry"]!["status"]!);
        Assert.Equal((string)created["order"]!["invoice_number"]!, (string)json["order"]!["invoice_number"]!);
        Assert.Equal(150000, (long)json["order"]!["amount"]!);
        Assert.Equal(code, (string)json["online_to_offline_info"]!["payment_code"]!);
        Assert.Equal("Merchant Demo Store", (string)json["online_to_offline_info"]!["info"]!);
        Assert.Equal("Anton Budiman", (string)json["customer"]!["name"]!);
        Assert.Equal("9090901234", (string)json["additional_info"]!["insurance_info"]!["policy_number"]!);
        Assert.Equal("Call Center 021 555-0525", (string)json["alfa_info"]!["receipt"]!["footer_message"]!);
    }

    [Fact]
    public async Task InquiryLeavesOutInsuranceAndReceiptWhenTheCodeHasNone()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        var json = (await Store.InquiryAsync(code)).Json;
        Assert.Null(json["additional_info"]);
        Assert.Null(json["alfa_info"]);
    }

    [Fact]
    public async Task PaymentOfTheExactAmountSucceedsAndPrintsTheReceipt()
    {
        var (code, created) = await Merchant.CreateCodeAsync(WithReceiptAndInsurance());
        var trx = TestStore.NewTrxId();
        var response = await Store.PayAsync(code, 150000, trx);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var json = response.Json;
        Assert.Equal("success", (string)json["online_to_offline_payment"]!["status"]!);
        var paymentId = (string)json["online_to_offline_payment"]!["payment_id"]!;
        Assert.StartsWith("PAY-", paymentId, StringComparison.Ordinal);
        Assert.Equal(150000, (long)json["order"]!["amount"]!);
        Assert.Equal("Call Center 021 555-0525", (string)json["alfa_info"]!["receipt"]!["footer_message"]!);
        Assert.Equal("Anton Budiman", (string)json["customer"]!["name"]!);

        var payment = await Gateway.RowAsync("SELECT * FROM payments WHERE payment_id = $p", ("$p", paymentId));
        Assert.Equal(trx, payment["trx_id"]);
        Assert.Equal("ALFAMART", payment["agent_id"]);
        Assert.Equal("TZ01", payment["store_id"]);
        Assert.Equal("POS-02", payment["terminal_id"]);
        Assert.Equal("2026-11-23T03:15:00Z", payment["store_date"]);
        Assert.Equal((string)created["order"]!["invoice_number"]!, payment["invoice_number"]);
        Assert.Equal("SUCCESS", payment["status"]);
        Assert.Equal("PAID", (await Gateway.RowAsync("SELECT status FROM payment_codes WHERE code = $c", ("$c", code)))["status"]);
        // The id begins with the time it was made (see TimeOrderedIds): the payment's own time.
        Assert.Equal(Convert.ToInt64(payment["paid_at"], CultureInfo.InvariantCulture), TimeOrderedIdsTests.TimeOf(paymentId, "PAY-"));
    }

    [Fact]
    public async Task APaidCodeIsAlreadyPaidForInquiryAndPayment()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await Store.PayAsync(code, 150000)).Status);

        var inquiry = await Store.InquiryAsync(code);
        Assert.Equal(HttpStatusCode.BadRequest, inquiry.Status);
        Assert.Equal("billing_already_paid", (string)inquiry.Json["online_to_offline_inquiry"]!["status"]!);
        var again = await Store.PayAsync(code, 150000);
        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        Assert.Equal("billing_already_paid", (string)again.Json["online_to_offline_payment"]!["status"]!);
        Assert.Equal(1, await Gateway.CountAsync("SELECT count(*) FROM payments WHERE code = $c", ("$c", code)));
    }

    [Fact]
    public async Task AnUnknownCodeIsNotFound()
    {
        var inquiry = await Store.InquiryAsync("99999999999999");
        Assert.Equal(HttpStatusCode.NotFound, inquiry.Status);
        Assert.Equal("billing_not_found", (string)inquiry.Json["online_to_offline_inquiry"]!["status"]!);
        var payment = await Store.PayAsync("99999999999999", 1000);
        Assert.Equal(HttpStatusCode.NotFound, payment.Status);
        Assert.Equal("billing_not_found", (string)payment.Json["online_to_offline_payment"]!["status"]!);
    }

    [Fact]
    public async Task ACancelledCodeIsDeclined()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        await Merchant.PatchAsync(new { online_to_offline_info = new { payment_code = code, status = "DELETE" } });
        var inquiry = await Store.InquiryAsync(code);
        Assert.Equal(HttpStatusCode.BadRequest, inquiry.Status);
        Assert.Equal("decline", (string)inquiry.Json["online_to_offline_inquiry"]!["status"]!);
        var payment = await Store.PayAsync(code, 150000);
        Assert.Equal("decline", (string)payment.Json["online_to_offline_payment"]!["status"]!);
        Assert.Equal(0, await Gateway.CountAsync("SELECT count(*) FROM payments WHERE code = $c", ("$c", code)));
    }

    [Fact]
    public async Task AnotherAmountIsDeclinedBecauseAlfaTakesClosedAmountsOnly()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        var response = await Store.PayAsync(code, 149999);
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("decline", (string)response.Json["online_to_offline_payment"]!["status"]!);
        Assert.Equal("ACTIVE", (await Gateway.RowAsync("SELECT status FROM payment_codes WHERE code = $c", ("$c", code)))["status"]);
        Assert.Equal(HttpStatusCode.OK, (await Store.PayAsync(code, 150000)).Status);
    }

    [Fact]
    public async Task TheSameTrxIdAgainReturnsTheFirstAnswerAndPaysNothingMore()
    {
        var (code, _) = await Merchant.CreateCodeAsync(TestMerchant.ValidCreate(amount: 20000));
        var trx = TestStore.NewTrxId();
        var first = await Store.PayAsync(code, 20000, trx);
        var again = await Store.PayAsync(code, 20000, trx);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(first.Bytes, again.Bytes);
        Assert.Equal(1, await Gateway.CountAsync("SELECT count(*) FROM payments WHERE code = $c", ("$c", code)));
    }

    [Fact]
    public async Task TheSameTrxIdWithADifferentBodyIsRefused()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        var (other, _) = await Merchant.CreateCodeAsync();
        var trx = TestStore.NewTrxId();
        Assert.Equal(HttpStatusCode.OK, (await Store.PayAsync(code, 150000, trx)).Status);
        var reused = await Store.PayAsync(other, 150000, trx);
        Assert.Equal(HttpStatusCode.BadRequest, reused.Status);
        Assert.Equal("decline", (string)reused.Json["online_to_offline_payment"]!["status"]!);
        Assert.Equal("ACTIVE", (await Gateway.RowAsync("SELECT status FROM payment_codes WHERE code = $c", ("$c", other)))["status"]);
    }

    [Fact]
    public async Task FiftyConcurrentPaymentsOfOneCodeGiveExactlyOneSuccess()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Store.PayAsync(code, 150000)));

        Assert.Equal(1, responses.Count(r => r.Status == HttpStatusCode.OK));
        Assert.Equal(49, responses.Count(r => (string?)r.Json["online_to_offline_payment"]!["status"] == "billing_already_paid"));
        Assert.Equal(1, await Gateway.CountAsync("SELECT count(*) FROM payments WHERE code = $c", ("$c", code)));
        Assert.Equal(50, await Gateway.CountAsync("SELECT count(*) FROM store_events WHERE kind = 'PAYMENT' AND code = $c", ("$c", code)));
    }

    [Fact]
    public async Task AReusableCodePaidTenTimesConcurrentlyRecordsTenPayments()
    {
        var body = TestMerchant.ValidCreate(amount: 50000);
        ((Dictionary<string, object?>)body["online_to_offline_info"]!)["reusable_status"] = true;
        var (code, _) = await Merchant.CreateCodeAsync(body);

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Store.PayAsync(code, 50000)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(10, responses.Select(r => (string)r.Json["online_to_offline_payment"]!["payment_id"]!).Distinct().Count());
        Assert.Equal(10, await Gateway.CountAsync("SELECT count(*) FROM payments WHERE code = $c AND status = 'SUCCESS'", ("$c", code)));
        Assert.Equal("ACTIVE", (await Gateway.RowAsync("SELECT status FROM payment_codes WHERE code = $c", ("$c", code)))["status"]);
    }

    [Fact]
    public async Task CancelRacingPaymentHasExactlyOneWinner()
    {
        for (var round = 0; round < 10; round++)
        {
            var (code, _) = await Merchant.CreateCodeAsync();
            var pay = Store.PayAsync(code, 150000);
            var cancel = Merchant.PatchAsync(new { online_to_offline_info = new { payment_code = code, status = "DELETE" } });
            await Task.WhenAll(pay, cancel);

            var paid = pay.Result.Status == HttpStatusCode.OK;
            var cancelled = cancel.Result.Status == HttpStatusCode.OK;
            Assert.True(paid ^ cancelled, $"round {round}: paid={paid} cancelled={cancelled}: {pay.Result.Body} / {cancel.Result.Body}");
            var status = (string)(await Gateway.RowAsync("SELECT status FROM payment_codes WHERE code = $c", ("$c", code)))["status"]!;
            Assert.Equal(paid ? "PAID" : "CANCELLED", status);
            Assert.Equal(paid ? 1 : 0, await Gateway.CountAsync("SELECT count(*) FROM payments WHERE code = $c", ("$c", code)));
            if (!paid)
            {
                Assert.Equal("decline", (string)pay.Result.Json["online_to_offline_payment"]!["status"]!);
            }
            else
            {
                cancel.Result.AssertError(HttpStatusCode.BadRequest, "payment_code_paid");
            }
        }
    }

    [Fact]
    public async Task EveryStoreRequestIsRecordedWithTheStoreIdentifiers()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        var trx = TestStore.NewTrxId();
        await Store.InquiryAsync(code, trx);
        await Store.PayAsync(code, 1, trx + "-wrong");
        await Store.PayAsync(code, 150000, trx);
        await Store.ReverseAsync(code, trx);

        Assert.Equal(4, await Gateway.CountAsync(
            "SELECT count(*) FROM store_events WHERE code = $c AND agent_id = 'ALFAMART' AND store_id = 'TZ01' AND terminal_id = 'POS-02'", ("$c", code)));
        foreach (var (kind, outcome) in new[] { ("INQUIRY", "success"), ("PAYMENT", "decline"), ("PAYMENT", "success"), ("REVERSAL", "success") })
        {
            Assert.Equal(1, await Gateway.CountAsync("SELECT count(*) FROM store_events WHERE code = $c AND kind = $k AND outcome = $o",
                ("$c", code), ("$k", kind), ("$o", outcome)));
        }
    }

    [Theory]
    [InlineData("{\"store\":{\"agent_id\":\"A\",\"store_id\":\"S\"},\"trx_id\":\"t\",\"date\":\"2026-11-23T03:15:00Z\"}", "online_to_offline_info.payment_code")]
    [InlineData("{\"online_to_offline_info\":{\"payment_code\":\"12a\"},\"store\":{\"agent_id\":\"A\",\"store_id\":\"S\"},\"trx_id\":\"t\",\"date\":\"2026-11-23T03:15:00Z\"}", "online_to_offline_info.payment_code")]
    [InlineData("{\"online_to_offline_info\":{\"payment_code\":\"123\"},\"store\":{\"store_id\":\"S\"},\"trx_id\":\"t\",\"date\":\"2026-11-23T03:15:00Z\"}", "store.agent_id")]
    [InlineData("{\"online_to_offline_info\":{\"payment_code\":\"123\"},\"store\":{\"agent_id\":\"A\",\"store_id\":\"S\"},\"date\":\"2026-11-23T03:15:00Z\"}", "trx_id")]
    [InlineData("{\"online_to_offline_info\":{\"payment_code\":\"123\"},\"store\":{\"agent_id\":\"A\",\"store_id\":\"S\"},\"trx_id\":\"t\",\"date\":\"yesterday\"}", "date")]
    public async Task ABadStoreRequestIs400NamingTheFieldAndRecordsNothing(string body, string field)
    {
        var before = await Gateway.CountAsync("SELECT count(*) FROM store_events");
        (await Store.SendAsync("/acquirer/v1/alfa/inquiry", body)).AssertError(HttpStatusCode.BadRequest, "invalid_field", field);
        var payment = body.Replace("\"trx_id\"", "\"order\":{\"amount\":5},\"trx_id\"", StringComparison.Ordinal);
        (await Store.SendAsync("/acquirer/v1/alfa/payment", payment)).AssertError(HttpStatusCode.BadRequest, "invalid_field", field);
        Assert.Equal(before, await Gateway.CountAsync("SELECT count(*) FROM store_events"));
    }

    [Fact]
    public async Task APaymentWithoutAnAmountIs400()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        var body = TestStore.Body(code, TestStore.NewTrxId()).ToJsonString();
        (await Store.SendAsync("/acquirer/v1/alfa/payment", body)).AssertError(HttpStatusCode.BadRequest, "invalid_field", "order.amount");
    }

    [Fact]
    public async Task AMerchantCannotCallTheStoreApi()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        var response = await Merchant.SendAsync(HttpMethod.Post, "/acquirer/v1/alfa/payment",
            TestStore.Body(code, TestStore.NewTrxId()).ToJsonString());
        response.AssertError(HttpStatusCode.Unauthorized, "unknown_client");
    }
}
