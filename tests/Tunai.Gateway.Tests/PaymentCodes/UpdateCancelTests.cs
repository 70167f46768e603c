using System.Globalization;
using System.Net;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Money;

namespace Tunai.Gateway.Tests.PaymentCodes;

public sealed class UpdateCancelTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private TestMerchant Merchant => fixture.Merchant;

    [Fact]
    public async Task AnUpdateChangesTheGivenFieldsAndAnswersWithTheDates()
    {
        var (code, created) = await Merchant.CreateCodeAsync();
        var invoice = (string)created["order"]!["invoice_number"]!;
        fixture.Gateway.Time.Advance(TimeSpan.FromMinutes(5));
        var now = fixture.Gateway.Time.GetUtcNow();

        var response = await Merchant.PatchAsync(new
        {
            order = new { invoice_number = invoice, amount = "175000" },
            online_to_offline_info = new { payment_code = code, status = "ACTIVE", expired_time = 30, reusable_status = true, info = "Thank you for shopping" },
            customer = new { name = "Budi Santoso", email = "budi@example.com" },
        });

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        response.AssertSignedBy(Merchant);
        var info = response.Json["online_to_offline_info"]!;
        Assert.Equal(invoice, (string)response.Json["order"]!["invoice_number"]!);
        Assert.Equal(code, (string)info["payment_code"]!);
        Assert.Equal(created["online_to_offline_info"]!["created_date_utc"]!.ToString(), (string)info["created_date_utc"]!);
        Assert.Equal(Tunai.Signing.Signature.FormatTimestamp(now.AddMinutes(30)), (string)info["expired_date_utc"]!);
        Assert.Equal(now.AddMinutes(30).ToOffset(TimeSpan.FromHours(7)).ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture), (string)info["expired_date"]!);

        var row = await fixture.Gateway.RowAsync("SELECT * FROM payment_codes WHERE code = $c", ("$c", code));
        Assert.Equal(175000L, row["amount"]);
        Assert.Equal(1L, row["reusable"]);
        Assert.Equal("Thank you for shopping", row["info"]);
        Assert.Equal("Budi Santoso", row["customer_name"]);
        Assert.Equal("budi@example.com", row["customer_email"]);
        Assert.Equal("ACTIVE", row["status"]);
    }

    [Fact]
    public async Task AnUpdateLeavesFieldsItDoesNotNameAlone()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        var before = await fixture.Gateway.RowAsync("SELECT amount, expires_at, info, customer_name, reusable FROM payment_codes WHERE code = $c", ("$c", code));
        var response = await Merchant.PatchAsync(new { online_to_offline_info = new { payment_code = code, status = "ACTIVE", info = "Only this" } });
        Assert.Equal(HttpStatusCode.OK, response.Status);
        var after = await fixture.Gateway.RowAsync("SELECT amount, expires_at, info, customer_name, reusable FROM payment_codes WHERE code = $c", ("$c", code));
        Assert.Equal("Only this", after["info"]);
        foreach (var column in new[] { "amount", "expires_at", "customer_name", "reusable" })
        {
            Assert.Equal(before[column], after[column]);
        }
    }

    [Fact]
    public async Task CancelMarksTheCodeCancelledAndItCannotBeUpdatedOrCancelledAgain()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        var cancel = await Merchant.PatchAsync(new { online_to_offline_info = new { payment_code = code, status = "DELETE" } });
        Assert.Equal(HttpStatusCode.OK, cancel.Status);
        cancel.AssertSignedBy(Merchant);
        Assert.Equal(code, (string)cancel.Json["online_to_offline_info"]!["payment_code"]!);
        Assert.Equal("CANCELLED", (await fixture.Gateway.RowAsync("SELECT status FROM payment_codes WHERE code = $c", ("$c", code)))["status"]);

        (await Merchant.PatchAsync(new { online_to_offline_info = new { payment_code = code, status = "ACTIVE", info = "x" } }))
            .AssertError(HttpStatusCode.BadRequest, "payment_code_cancelled", "online_to_offline_info.payment_code");
        (await Merchant.PatchAsync(new { online_to_offline_info = new { payment_code = code, status = "DELETE" } }))
            .AssertError(HttpStatusCode.BadRequest, "payment_code_cancelled");
    }

    [Fact]
    public async Task APaidCodeCannotBeUpdatedOrCancelled()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        // A payment is the store side's doing; here the row is put in the state it leaves.
        await fixture.Gateway.ExecuteAsync("UPDATE payment_codes SET status = 'PAID', paid_at = 1 WHERE code = $c", ("$c", code));
        var before = await fixture.Gateway.RowAsync("SELECT * FROM payment_codes WHERE code = $c", ("$c", code));

        (await Merchant.PatchAsync(new { order = new { amount = 1 }, online_to_offline_info = new { payment_code = code, status = "ACTIVE" } }))
            .AssertError(HttpStatusCode.BadRequest, "payment_code_paid");
        (await Merchant.PatchAsync(new { online_to_offline_info = new { payment_code = code, status = "DELETE" } }))
            .AssertError(HttpStatusCode.BadRequest, "payment_code_paid");
        Assert.Equal(before, await fixture.Gateway.RowAsync("SELECT * FROM payment_codes WHERE code = $c", ("$c", code)));
    }

    [Fact]
    public async Task AnUnknownCodeOrAnotherMerchantsCodeIs404()
    {
        (await Merchant.PatchAsync(new { online_to_offline_info = new { payment_code = Merchant.CodePrefix + "999999999", status = "DELETE" } }))
            .AssertError(HttpStatusCode.NotFound, "payment_code_not_found");

        var other = await fixture.Gateway.CreateMerchantAsync(new { name = "Other" });
        var (theirs, _) = await other.CreateCodeAsync();
        var response = await Merchant.PatchAsync(new { online_to_offline_info = new { payment_code = theirs, status = "DELETE" } });
        Assert.Equal(HttpStatusCode.BadRequest, response.Status); // not even their prefix
        Assert.Equal("ACTIVE", (await fixture.Gateway.RowAsync("SELECT status FROM payment_codes WHERE code = $c", ("$c", theirs)))["status"]);
    }

    [Fact]
    public async Task AnExpiredCodeIsExtendedOnlyWithANewExpiredTime()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await gateway.CreateMerchantAsync();
        var body = TestMerchant.ValidCreate();
        ((Dictionary<string, object?>)body["online_to_offline_info"]!)["expired_time"] = 1;
        var (code, _) = await merchant.CreateCodeAsync(body);
        gateway.Time.Advance(TimeSpan.FromMinutes(2));

        (await merchant.PatchAsync(new { online_to_offline_info = new { payment_code = code, status = "ACTIVE", info = "x" } }))
            .AssertError(HttpStatusCode.BadRequest, "payment_code_expired", "online_to_offline_info.expired_time");

        var extended = await merchant.PatchAsync(new { online_to_offline_info = new { payment_code = code, status = "ACTIVE", expired_time = 60 } });
        Assert.Equal(HttpStatusCode.OK, extended.Status);
        Assert.Equal(Tunai.Signing.Signature.FormatTimestamp(gateway.Time.GetUtcNow().AddMinutes(60)),
            (string)extended.Json["online_to_offline_info"]!["expired_date_utc"]!);
    }

    [Fact]
    public async Task AnAmountBelowTheFixedSettlementSplitsIsRefused()
    {
        await fixture.Gateway.AddSettlementAccountsAsync(Merchant.ClientId, "SBA-1");
        var body = TestMerchant.ValidCreate();
        body["additional_info"] = new Dictionary<string, object?>
        {
            ["settlement"] = new[] { new { bank_account_settlement_id = "SBA-1", value = 100000, type = "FIX" } },
        };
        var (code, _) = await Merchant.CreateCodeAsync(body);
        (await Merchant.PatchAsync(new { order = new { amount = 99999 }, online_to_offline_info = new { payment_code = code, status = "ACTIVE" } }))
            .AssertError(HttpStatusCode.BadRequest, "invalid_field", "order.amount");
        Assert.Equal(HttpStatusCode.OK, (await Merchant.PatchAsync(new { order = new { amount = 100000 }, online_to_offline_info = new { payment_code = code, status = "ACTIVE" } })).Status);
    }

    [Fact]
    public async Task ConcurrentCancelsOfOneCodeSucceedExactlyOnce()
    {
        var (code, _) = await Merchant.CreateCodeAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            Merchant.PatchAsync(new { online_to_offline_info = new { payment_code = code, status = "DELETE" } })));
        Assert.Equal(1, responses.Count(r => r.Status == HttpStatusCode.OK));
        Assert.All(responses.Where(r => r.Status != HttpStatusCode.OK), r => r.AssertError(HttpStatusCode.BadRequest, "payment_code_cancelled"));
    }
}
