using System.Net;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Signing;

namespace Tunai.Gateway.Tests.Snap;

/// <summary>Alfa store codes as SNAP virtual accounts: create, update, delete and status at both path families.</summary>
public sealed class SnapVirtualAccountTests(SnapGateway fixture) : IClassFixture<SnapGateway>
{
    private SnapMerchant Snap => fixture.Snap;

    private string Token => fixture.Token;

    private GatewayHost Gateway => fixture.Gateway;

    private Task<SnapResponse> Send(HttpMethod method, string path, JsonObject body) => Snap.SendAsync(method, path, body.ToJsonString(), Token);

    [Theory]
    [InlineData(SnapMerchant.CreatePath)]
    [InlineData("/v1.0/transfer-va/create-va")]
    public async Task ACreateWithoutCustomerNoGeneratesACodeAndAnswersEveryObjectTheSdkReads(string path)
    {
        var body = Snap.CreateBody();
        var expires = DateTimeOffset.Parse((string)body["expiredDate"]!, System.Globalization.CultureInfo.InvariantCulture);

        var response = await Send(HttpMethod.Post, path, body);

        response.AssertCode("2002700");
        var data = response.Json["virtualAccountData"]!;
        var customerNo = (string)data["customerNo"]!;
        Assert.Matches("^[0-9]+$", customerNo);
        Assert.Equal(Snap.PartnerServiceId, (string)data["partnerServiceId"]!);
        Assert.Equal(Snap.PartnerServiceId + customerNo, (string)data["virtualAccountNo"]!);
        Assert.Equal((string)body["trxId"]!, (string)data["trxId"]!);
        Assert.Equal("150000.00", (string)data["totalAmount"]!["value"]!);
        Assert.Equal("IDR", (string)data["totalAmount"]!["currency"]!);
        Assert.Equal("ALFAMART", (string)data["additionalInfo"]!["channel"]!);
        var code = Snap.Merchant.CodePrefix + customerNo;
        Assert.Contains($"/how-to-pay/v2/alfa-online-to-offline/{code}/", (string)data["additionalInfo"]!["howToPayPage"]!, StringComparison.Ordinal);
        Assert.Contains($"/how-to-pay-api/{code}/", (string)data["additionalInfo"]!["howToPayApi"]!, StringComparison.Ordinal);

        var row = await Gateway.RowAsync("SELECT * FROM payment_codes WHERE code = $c", ("$c", code));
        Assert.Equal("DGPC", row["kind"]);
        Assert.Equal(150000L, row["amount"]);
        Assert.Equal((string)body["trxId"]!, row["invoice_number"]);
        Assert.Equal("Anton Budiman", row["customer_name"]);
        Assert.Equal("Toko Demo", row["info"]);
        Assert.Equal(expires.ToUnixTimeMilliseconds(), row["expires_at"]);

        // The how-to-pay page of a SNAP-created code is the same page as any other's.
        using var page = await Gateway.Http.GetAsync(new Uri((string)data["additionalInfo"]!["howToPayPage"]!).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task ACustomerNoGivenRegistersThatCodeAndAnUnpaddedPartnerServiceIdIsEchoedAsSent()
    {
        var customerNo = Random.Shared.NextInt64(10_000_000_000, 99_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var body = Snap.CreateBody(customerNo);
        body["partnerServiceId"] = Snap.Merchant.CodePrefix;
        body["virtualAccountNo"] = Snap.Merchant.CodePrefix + customerNo;

        var response = await Send(HttpMethod.Post, SnapMerchant.CreatePath, body);

        response.AssertCode("2002700");
        Assert.Equal(Snap.Merchant.CodePrefix, (string)response.Json["virtualAccountData"]!["partnerServiceId"]!);
        Assert.Equal(customerNo, (string)response.Json["virtualAccountData"]!["customerNo"]!);
        Assert.Equal("MGPC", (await Gateway.RowAsync("SELECT kind FROM payment_codes WHERE code = $c", ("$c", Snap.Merchant.CodePrefix + customerNo)))["kind"]);
    }

    [Theory]
    [InlineData("channel", "INDOMARET", "4002701")]
    [InlineData("channel", null, "4002702")]
    [InlineData("virtualAccountTrxType", "O", "4002701")]
    [InlineData("amount", "150000.50", "4042713")]
    [InlineData("amount", "15O000.00", "4002701")]
    [InlineData("currency", "USD", "4002701")]
    [InlineData("trxId", null, "4002702")]
    [InlineData("virtualAccountName", null, "4002702")]
    [InlineData("partnerServiceId", "  999999", "4002701")]
    [InlineData("virtualAccountNo", "   0000001", "4042718")]
    [InlineData("expiredDate", "2020-01-01T00:00:00+07:00", "4002701")]
    public async Task ACreateThatBreaksARuleIsRefusedWithItsCodeAndLeavesNothing(string field, string? value, string responseCode)
    {
        var body = Snap.CreateBody(field == "virtualAccountNo" ? "123456" : null);
        switch (field)
        {
            case "channel": body["additionalInfo"]!["channel"] = value; break;
            case "amount": body["totalAmount"]!["value"] = value; break;
            case "currency": body["totalAmount"]!["currency"] = value; break;
            default: body[field] = value; break;
        }
        var before = await Gateway.CountAsync("SELECT count(*) FROM payment_codes");

        (await Send(HttpMethod.Post, SnapMerchant.CreatePath, body)).AssertCode(responseCode);

        Assert.Equal(before, await Gateway.CountAsync("SELECT count(*) FROM payment_codes"));
    }

    [Fact]
    public async Task ASecondCodeForALiveInvoiceIsADuplicate()
    {
        var body = Snap.CreateBody();
        await Snap.CreateCodeAsync(Token, body);

        (await Send(HttpMethod.Post, SnapMerchant.CreatePath, Snap.CreateBody(trxId: (string)body["trxId"]!))).AssertCode("4092701");
    }

    [Theory]
    [InlineData("PUT", SnapMerchant.UpdatePath)]
    [InlineData("POST", SnapMerchant.UpdatePath)]
    [InlineData("PUT", "/v1.0/transfer-va/update-va")]
    [InlineData("POST", "/v1.0/transfer-va/update-va")]
    public async Task AnUpdateChangesTheCode(string method, string path)
    {
        var created = Snap.CreateBody();
        var (code, _) = await Snap.CreateCodeAsync(Token, created);
        var update = Snap.CreateBody(code[Snap.Merchant.CodePrefix.Length..], amount: 175000, trxId: (string)created["trxId"]!);
        update["virtualAccountName"] = "Budi Santoso";

        var response = await Send(new HttpMethod(method), path, update);

        response.AssertCode("2002800");
        Assert.Equal("175000.00", (string)response.Json["virtualAccountData"]!["totalAmount"]!["value"]!);
        Assert.NotNull(response.Json["virtualAccountData"]!["additionalInfo"]!["howToPayPage"]);
        var row = await Gateway.RowAsync("SELECT amount, customer_name FROM payment_codes WHERE code = $c", ("$c", code));
        Assert.Equal(175000L, row["amount"]);
        Assert.Equal("Budi Santoso", row["customer_name"]);
    }

    [Fact]
    public async Task AnUpdateOfAnUnknownCodeOrWithAnotherTrxIdIsRefused()
    {
        var (code, _) = await Snap.CreateCodeAsync(Token);
        var unknown = Snap.CreateBody("99999999999");
        (await Send(HttpMethod.Put, SnapMerchant.UpdatePath, unknown)).AssertCode("4042812");

        var otherTrx = Snap.CreateBody(code[Snap.Merchant.CodePrefix.Length..], trxId: "INV-NOT-THIS-ONE");
        (await Send(HttpMethod.Put, SnapMerchant.UpdatePath, otherTrx)).AssertCode("4042818");
    }

    [Theory]
    [InlineData("DELETE", SnapMerchant.DeletePath)]
    [InlineData("POST", SnapMerchant.DeletePath)]
    [InlineData("DELETE", "/v1.0/transfer-va/delete-va")]
    [InlineData("POST", "/v1.0/transfer-va/delete-va")]
    public async Task ADeleteCancelsTheCodeOnce(string method, string path)
    {
        var created = Snap.CreateBody();
        var (code, _) = await Snap.CreateCodeAsync(Token, created);
        var delete = Snap.KeyBody(code);
        delete["trxId"] = (string)created["trxId"]!;
        delete["additionalInfo"] = new JsonObject { ["channel"] = "ALFAMART" };

        var response = await Send(new HttpMethod(method), path, delete);

        response.AssertCode("2003100");
        Assert.Equal("ALFAMART", (string)response.Json["virtualAccountData"]!["additionalInfo"]!["channel"]!);
        Assert.Equal("CANCELLED", (await Gateway.RowAsync("SELECT status FROM payment_codes WHERE code = $c", ("$c", code)))["status"]);

        (await Send(new HttpMethod(method), path, delete)).AssertCode("4043119");
        (await Send(HttpMethod.Put, SnapMerchant.UpdatePath, Snap.CreateBody(code[Snap.Merchant.CodePrefix.Length..], trxId: (string)created["trxId"]!)))
            .AssertCode("4042819");
    }

    [Fact]
    public async Task TheStatusOfAnUnknownCodeIsRefusedAndOfAnActiveOneSaysNotPaid()
    {
        (await Send(HttpMethod.Post, SnapMerchant.StatusPath, Snap.KeyBody(Snap.Merchant.CodePrefix + "99999999998"))).AssertCode("4042612");

        var (code, _) = await Snap.CreateCodeAsync(Token);
        foreach (var path in new[] { SnapMerchant.StatusPath, "/v1.0/transfer-va/status" })
        {
            var body = Snap.KeyBody(code);
            body["inquiryRequestId"] = null;
            body["paymentRequestId"] = null;
            var response = await Send(HttpMethod.Post, path, body);
            response.AssertCode("2002600");
            var data = response.Json["virtualAccountData"]!;
            Assert.Equal("01", (string)data["paymentFlagStatus"]!);
            Assert.NotNull(data["paymentFlagReason"]!["english"]);
            Assert.NotNull(data["paymentFlagReason"]!["indonesia"]);
            Assert.Equal("0.00", (string)data["paidAmount"]!["value"]!);
            Assert.Equal("ACTIVE", (string)response.Json["additionalInfo"]!["trxStatus"]!);
        }
    }

    [Fact]
    public async Task AnExpiredCodeCannotBeUpdatedWithoutANewExpiry()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var snap = await SnapMerchant.CreateAsync(gateway);
        var token = await snap.TokenAsync();
        var created = snap.CreateBody();
        var (code, _) = await snap.CreateCodeAsync(token, created);
        gateway.Time.Advance(TimeSpan.FromHours(3));
        token = await snap.TokenAsync();
        var update = snap.CreateBody(code[snap.Merchant.CodePrefix.Length..], trxId: (string)created["trxId"]!);
        update.Remove("expiredDate");

        (await snap.SendAsync(HttpMethod.Put, SnapMerchant.UpdatePath, update.ToJsonString(), token)).AssertCode("4032800");
    }

    [Fact]
    public async Task ACodeCreatedOverSnapIsPaidAtTheStoreAndSeenPaidByBothStatusCalls()
    {
        var store = await TestStore.CreateAsync(Gateway, "ALFA" + Random.Shared.Next(10, 99));
        var created = Snap.CreateBody();
        var (code, _) = await Snap.CreateCodeAsync(Token, created);
        var trxId = TestStore.NewTrxId();

        var paid = await store.PayAsync(code, 150000, trxId);
        Assert.True(paid.Status == HttpStatusCode.OK, paid.Body);

        var status = await Send(HttpMethod.Post, SnapMerchant.StatusPath, Snap.KeyBody(code));
        status.AssertCode("2002600");
        var data = status.Json["virtualAccountData"]!;
        Assert.Equal("00", (string)data["paymentFlagStatus"]!);
        Assert.Equal("150000.00", (string)data["paidAmount"]!["value"]!);
        Assert.Equal(trxId, (string)data["referenceNo"]!);
        Assert.Equal("PAID", (string)status.Json["additionalInfo"]!["trxStatus"]!);
        Assert.Equal(store.AcquirerId, (string)status.Json["additionalInfo"]!["acquirer"]!["id"]!);

        var plain = await Snap.Merchant.SendAsync(HttpMethod.Get, "/orders/v1/status/" + (string)created["trxId"]!, body: null);
        Assert.True(plain.Status == HttpStatusCode.OK, plain.Body);
        Assert.Equal("SUCCESS", (string)plain.Json["transaction"]!["status"]!);

        (await Send(HttpMethod.Put, SnapMerchant.UpdatePath, Snap.CreateBody(code[Snap.Merchant.CodePrefix.Length..], trxId: (string)created["trxId"]!)))
            .AssertCode("4042814");
    }
}
