using System.Net;
using System.Net.Http.Json;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Tests.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Merchants;

/// <summary>
/// Disabling a merchant or an acquirer connection cuts it off everywhere (store, API, back office), over real HTTP,
/// and enabling it again restores all of it.
/// </summary>
public sealed class DisabledPartyTests
{
    private static string NewCode(string prefix) =>
        prefix + string.Concat(Enumerable.Range(0, 16 - prefix.Length).Select(_ => (char)('0' + Random.Shared.Next(10))));

    private static async Task SetDisabledAsync(GatewayHost gateway, string path, bool disabled)
    {
        using var response = await gateway.Admin.PatchAsJsonAsync(path, new { disabled }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static void AssertMerchantNotActive(ApiResponse response)
    {
        Assert.True(response.Status == HttpStatusCode.BadRequest, $"expected 400 decline, got {(int)response.Status}: {response.Body}");
        Assert.Equal("decline", TestStore.StatusOf(response));
        var message = (string?)(response.Json["online_to_offline_inquiry"] ?? response.Json["online_to_offline_payment"])!["message"];
        Assert.Contains("merchant of this payment code is not active", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADisabledMerchantIsCutOffEverywhereAndReEnablingRestoresIt()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var store = await TestStore.CreateAsync(gateway);
        await using var endpoint = await MerchantEndpoint.StartAsync();
        // A bill per code, each with its own invoice number (one invoice is one bill).
        endpoint.Handler = call =>
        {
            var asked = (string)call.Json["online_to_offline_info"]!["payment_code"]!;
            return new MerchantReply(200, MerchantReply.Bill(asked, invoice: "INV-" + asked).ToJsonString());
        };
        var merchant = await endpoint.RegisterAsync(gateway);
        var other = await gateway.CreateMerchantAsync();
        var (code, _) = await merchant.CreateCodeAsync();
        var (otherCode, _) = await other.CreateCodeAsync();
        var directInquiry = NewCode(merchant.CodePrefix);
        var email = await BackOfficeAccounts.AddAsync(gateway, Roles.Merchant, await BackOfficeAccounts.MerchantIdAsync(gateway, merchant.ClientId));
        using var signedIn = new BackOfficeHttp(gateway);
        Assert.Equal(HttpStatusCode.Redirect, (await signedIn.SignInAsync(email, BackOfficeAccounts.Password)).Status);
        Assert.Equal(HttpStatusCode.OK, (await signedIn.GetAsync("/backoffice")).Status);
        // A direct-inquiry code asked before the merchant is disabled is stored as a DIPC bill.
        var registered = NewCode(merchant.CodePrefix);
        Assert.Equal(HttpStatusCode.OK, (await store.InquiryAsync(registered)).Status);

        await SetDisabledAsync(gateway, $"/admin/v1/merchants/{merchant.ClientId}", disabled: true);

        // The store: a decline that says why, for a code it made, a DIPC bill already stored and one never asked.
        var asked = endpoint.CallsTo(MerchantEndpoint.InquiryPath).Count;
        AssertMerchantNotActive(await store.InquiryAsync(code));
        AssertMerchantNotActive(await store.PayAsync(code, 150000));
        AssertMerchantNotActive(await store.InquiryAsync(directInquiry));
        AssertMerchantNotActive(await store.InquiryAsync(registered));
        AssertMerchantNotActive(await store.PayAsync(registered, 150000));
        Assert.Equal(asked, endpoint.CallsTo(MerchantEndpoint.InquiryPath).Count);
        Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM payments p JOIN merchants m ON m.id = p.merchant_id WHERE m.client_id = @c",
            ("c", merchant.ClientId)));
        // Its API calls.
        (await merchant.CreateAsync(TestMerchant.ValidCreate())).AssertError(HttpStatusCode.Unauthorized, "merchant_disabled");
        (await merchant.SendAsync(HttpMethod.Get, "/settlements/v1/reports/2026-11-30", null)).AssertError(HttpStatusCode.Unauthorized, "merchant_disabled");
        // Its back-office users: the open session has ended, and signing in again is refused with the reason.
        var (status, _, location) = await signedIn.GetAsync("/backoffice");
        Assert.Equal(HttpStatusCode.Redirect, status);
        Assert.StartsWith("/backoffice/sign-in", location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(0, await gateway.CountAsync(
            "SELECT count(*) FROM operator_sessions s JOIN operators o ON o.id = s.operator_id WHERE o.email = @e", ("e", email)));
        using var again = new BackOfficeHttp(gateway);
        var refused = await again.SignInAsync(email, BackOfficeAccounts.Password);
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains("not active", BackOfficeHttp.ErrorOf(refused.Body), StringComparison.Ordinal);
        // Nobody else is touched.
        Assert.Equal(HttpStatusCode.OK, (await store.InquiryAsync(otherCode)).Status);

        await SetDisabledAsync(gateway, $"/admin/v1/merchants/{merchant.ClientId}", disabled: false);

        Assert.Equal(HttpStatusCode.OK, (await store.InquiryAsync(code)).Status);
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);
        Assert.Equal(HttpStatusCode.OK, (await store.InquiryAsync(directInquiry)).Status);
        Assert.Equal(HttpStatusCode.OK, (await merchant.CreateAsync(TestMerchant.ValidCreate())).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await again.SignInAsync(email, BackOfficeAccounts.Password)).Status);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/backoffice")).Status);
    }

    [Fact]
    public async Task ADisabledAcquirerConnectionIsRefusedUntilEnabledAgain()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var store = await TestStore.CreateAsync(gateway);
        var merchant = await gateway.CreateMerchantAsync();
        var (code, _) = await merchant.CreateCodeAsync();

        await SetDisabledAsync(gateway, $"/admin/v1/acquirers/{store.AcquirerId}", disabled: true);

        (await store.InquiryAsync(code)).AssertError(HttpStatusCode.Unauthorized, "acquirer_disabled");
        (await store.PayAsync(code, 150000)).AssertError(HttpStatusCode.Unauthorized, "acquirer_disabled");

        await SetDisabledAsync(gateway, $"/admin/v1/acquirers/{store.AcquirerId}", disabled: false);

        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);
    }
}
