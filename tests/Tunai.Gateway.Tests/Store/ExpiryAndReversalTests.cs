using System.Net;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Store;

/// <summary>Tests that move the gateway's clock, each on its own gateway.</summary>
public sealed class ExpiryAndReversalTests : IAsyncLifetime
{
    private StoreFixture _fixture = new();

    private GatewayHost Gateway => _fixture.Gateway;

    public ValueTask InitializeAsync() => _fixture.InitializeAsync();

    public ValueTask DisposeAsync() => _fixture.DisposeAsync();

    private async Task<string> CodeExpiringInOneMinute()
    {
        var body = TestMerchant.ValidCreate();
        ((Dictionary<string, object?>)body["online_to_offline_info"]!)["expired_time"] = 1;
        return (await _fixture.Merchant.CreateCodeAsync(body)).Code;
    }

    [Fact]
    public async Task ACodePaidASecondBeforeExpiryIsPaid()
    {
        var code = await CodeExpiringInOneMinute();
        Gateway.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(HttpStatusCode.OK, (await _fixture.Store.InquiryAsync(code)).Status);
        Assert.Equal(HttpStatusCode.OK, (await _fixture.Store.PayAsync(code, 150000)).Status);
    }

    [Fact]
    public async Task ACodeAtItsExpiryIsExpiredForInquiryAndPayment()
    {
        var code = await CodeExpiringInOneMinute();
        Gateway.Time.Advance(TimeSpan.FromMinutes(1));
        var inquiry = await _fixture.Store.InquiryAsync(code);
        Assert.Equal(HttpStatusCode.BadRequest, inquiry.Status);
        Assert.Equal("billing_was_expired", (string)inquiry.Json["online_to_offline_inquiry"]!["status"]!);
        var payment = await _fixture.Store.PayAsync(code, 150000);
        Assert.Equal("billing_was_expired", (string)payment.Json["online_to_offline_payment"]!["status"]!);
        Assert.Equal(0, await Gateway.CountAsync("SELECT count(*) FROM payments WHERE code = $c", ("$c", code)));
    }

    [Fact]
    public async Task AReversalInsideTheWindowMakesTheCodePayableAgain()
    {
        var (code, _) = await _fixture.Merchant.CreateCodeAsync();
        var trx = TestStore.NewTrxId();
        var paid = await _fixture.Store.PayAsync(code, 150000, trx);
        Gateway.Time.Advance(TimeSpan.FromMinutes(14));

        var reversal = await _fixture.Store.ReverseAsync(code, trx);

        Assert.Equal(HttpStatusCode.OK, reversal.Status);
        Assert.Equal("success", (string)reversal.Json["status"]!);
        Assert.Equal((string)paid.Json["online_to_offline_payment"]!["payment_id"]!, (string)reversal.Json["payment_id"]!);
        Assert.Equal("REVERSED", (await Gateway.RowAsync("SELECT status FROM payments WHERE trx_id = $t", ("$t", trx)))["status"]);
        Assert.Equal("ACTIVE", (await Gateway.RowAsync("SELECT status FROM payment_codes WHERE code = $c", ("$c", code)))["status"]);
        Assert.Equal(HttpStatusCode.OK, (await _fixture.Store.PayAsync(code, 150000)).Status);
    }

    [Fact]
    public async Task AReversalAfterTheWindowIsRefusedAndChangesNothing()
    {
        var (code, _) = await _fixture.Merchant.CreateCodeAsync();
        var trx = TestStore.NewTrxId();
        await _fixture.Store.PayAsync(code, 150000, trx);
        Gateway.Time.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));

        var reversal = await _fixture.Store.ReverseAsync(code, trx);

        Assert.Equal(HttpStatusCode.BadRequest, reversal.Status);
        Assert.Equal("reversal_window_passed", (string)reversal.Json["reason"]!);
        Assert.Equal("SUCCESS", (await Gateway.RowAsync("SELECT status FROM payments WHERE trx_id = $t", ("$t", trx)))["status"]);
        Assert.Equal("PAID", (await Gateway.RowAsync("SELECT status FROM payment_codes WHERE code = $c", ("$c", code)))["status"]);
    }

    [Fact]
    public async Task AReversalRetriedChangesNothingAndAnUnknownTrxIdIsRefused()
    {
        var (code, _) = await _fixture.Merchant.CreateCodeAsync();
        var trx = TestStore.NewTrxId();
        await _fixture.Store.PayAsync(code, 150000, trx);
        var first = await _fixture.Store.ReverseAsync(code, trx);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        await _fixture.Store.PayAsync(code, 150000); // paid again with another trx_id

        // The same reversal again is a retry: its first answer, and the new payment stands.
        var twice = await _fixture.Store.ReverseAsync(code, trx);
        Assert.Equal(HttpStatusCode.OK, twice.Status);
        Assert.Equal(first.Body, twice.Body);
        Assert.Equal("PAID", (await Gateway.RowAsync("SELECT status FROM payment_codes WHERE code = $c", ("$c", code)))["status"]);

        var unknown = await _fixture.Store.ReverseAsync(code, "ALFA-never-paid");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal("payment_not_found", (string)unknown.Json["reason"]!);
    }

    [Fact]
    public async Task AReversedCodeThatHasExpiredMeanwhileStaysUnpayable()
    {
        var code = await CodeExpiringInOneMinute();
        var trx = TestStore.NewTrxId();
        await _fixture.Store.PayAsync(code, 150000, trx);
        Gateway.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, (await _fixture.Store.ReverseAsync(code, trx)).Status);
        var inquiry = await _fixture.Store.InquiryAsync(code);
        Assert.Equal("billing_was_expired", (string)inquiry.Json["online_to_offline_inquiry"]!["status"]!);
    }

    [Fact]
    public async Task ConcurrentRetriesOfOneReversalReverseOnceAndAllGetItsAnswer()
    {
        var (code, _) = await _fixture.Merchant.CreateCodeAsync();
        var trx = TestStore.NewTrxId();
        await _fixture.Store.PayAsync(code, 150000, trx);
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _fixture.Store.ReverseAsync(code, trx)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Single(responses.Select(r => r.Body).Distinct());
        Assert.Equal(1, await Gateway.CountAsync(
            "SELECT count(*) FROM notifications n JOIN payments p ON p.id = n.payment_id WHERE p.trx_id = $t AND n.event = 'FAILED'", ("$t", trx)));
    }

    [Fact]
    public async Task ConcurrentDifferentReversalsOfOnePaymentSucceedOnce()
    {
        var (code, _) = await _fixture.Merchant.CreateCodeAsync();
        var trx = TestStore.NewTrxId();
        await _fixture.Store.PayAsync(code, 150000, trx);
        // Ten reversals under the payment's trx_id, each with its own date: different requests, not retries.
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => _fixture.Store.SendAsync(TestStore.ReversalPath,
            $$$"""{"online_to_offline_info":{"payment_code":"{{{code}}}"},"trx_id":"{{{trx}}}","date":"2026-11-23T03:2{{{i}}}:00Z"}""")));
        Assert.Equal(1, responses.Count(r => r.Status == HttpStatusCode.OK));
        Assert.All(responses.Where(r => r.Status != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.BadRequest, r.Status));
        Assert.Equal(1, await Gateway.CountAsync(
            "SELECT count(*) FROM notifications n JOIN payments p ON p.id = n.payment_id WHERE p.trx_id = $t AND n.event = 'FAILED'", ("$t", trx)));
    }
}
