using System.Net;
using System.Net.Http.Json;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Signing;

namespace Tunai.Gateway.Tests.Hardening;

/// <summary>A merchant's or an acquirer's key changes without a moment where one side refuses the other.</summary>
public sealed class KeyRotationTests
{
    private static async Task<(string Secret, System.Text.Json.Nodes.JsonNode Body)> RotateAsync(GatewayHost gateway, string path, object? body = null)
    {
        using var response = body is null
            ? await gateway.Admin.PostAsync(path, null)
            : await gateway.Admin.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var json = GatewayHost.Json(text);
        return ((string)json["secret_key"]!, json);
    }

    [Fact]
    public async Task DuringARotationBothKeysVerifyUntilTheOldOneExpires()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var old = await gateway.CreateMerchantAsync();

        var (newSecret, rotated) = await RotateAsync(gateway, $"/admin/v1/merchants/{old.ClientId}/secret-keys", new { old_key_expires_in = 3600 });
        var renewed = new TestMerchant(gateway, old.ClientId, newSecret, old.CodePrefix);

        Assert.NotEqual(old.SecretKey, newSecret);
        Assert.Equal(Signature.FormatTimestamp(gateway.Time.GetUtcNow().AddHours(1)), (string)rotated["previous_key_expires_at"]!);
        var byOld = await old.SendAsync(HttpMethod.Get, "/orders/v1/status/INV-1", null);
        var byNew = await renewed.SendAsync(HttpMethod.Get, "/orders/v1/status/INV-1", null);
        Assert.Equal(HttpStatusCode.NotFound, byOld.Status);
        byOld.AssertSignedBy(old); // each answer is signed with the key its request was signed with
        Assert.Equal(HttpStatusCode.NotFound, byNew.Status);
        byNew.AssertSignedBy(renewed);

        gateway.Time.Advance(TimeSpan.FromSeconds(3601));

        (await old.SendAsync(HttpMethod.Get, "/orders/v1/status/INV-1", null)).AssertError(HttpStatusCode.Unauthorized, "invalid_signature");
        Assert.Equal(HttpStatusCode.NotFound, (await renewed.SendAsync(HttpMethod.Get, "/orders/v1/status/INV-1", null)).Status);
    }

    [Fact]
    public async Task TheOldKeyExpiresAfter24HoursUnlessToldOtherwise()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var old = await gateway.CreateMerchantAsync();

        await RotateAsync(gateway, $"/admin/v1/merchants/{old.ClientId}/secret-keys");

        gateway.Time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.NotFound, (await old.SendAsync(HttpMethod.Get, "/orders/v1/status/INV-1", null)).Status);
        gateway.Time.Advance(TimeSpan.FromSeconds(2));
        (await old.SendAsync(HttpMethod.Get, "/orders/v1/status/INV-1", null)).AssertError(HttpStatusCode.Unauthorized, "invalid_signature");
    }

    [Fact]
    public async Task NotificationsAreSignedWithTheOldKeyUntilTheMerchantSaysItIsReady()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await using var endpoint = await MerchantEndpoint.StartAsync();
        var merchant = await endpoint.RegisterAsync(gateway);
        var store = await TestStore.CreateAsync(gateway);
        var (newSecret, _) = await RotateAsync(gateway, $"/admin/v1/merchants/{merchant.ClientId}/secret-keys");

        var (first, _) = await merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(first, 150000)).Status);
        var before = await Eventually.WaitAsync(() => Task.FromResult(endpoint.CallsTo(MerchantEndpoint.NotificationPath)), c => c.Count >= 1, "the first notification");
        Assert.True(before[0].SignatureValid, "signed with the old key while the merchant still checks with it");

        using (var ready = await gateway.Admin.PostAsync($"/admin/v1/merchants/{merchant.ClientId}/secret-keys/sign-with-new", null))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }
        var (second, _) = await merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(second, 150000)).Status);
        var after = await Eventually.WaitAsync(() => Task.FromResult(endpoint.CallsTo(MerchantEndpoint.NotificationPath)), c => c.Count >= 2, "the second notification");

        var call = after.Single(c => (string)c.Json["online_to_offline_info"]!["payment_code"]! == second);
        var input = new SignatureInput(merchant.ClientId, call.Headers["Request-Id"], call.Headers["Request-Timestamp"], call.Path, call.Body);
        Assert.True(Signature.Verify(newSecret, input, call.Headers["Signature"]), "signed with the new key once the merchant is ready");
        Assert.False(call.SignatureValid);
    }

    [Fact]
    public async Task ADisabledMerchantGetsA401WithItsOwnCodeOnEveryRequestAndKeepsItsCodes()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await gateway.CreateMerchantAsync();
        var (code, _) = await merchant.CreateCodeAsync();

        using (var disable = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{merchant.ClientId}", new { disabled = true }))
        {
            Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        }
        for (var i = 0; i < 40; i++) // past any failure limit: a disabled merchant is not guessing
        {
            (await merchant.SendAsync(HttpMethod.Get, "/orders/v1/status/INV-1", null)).AssertError(HttpStatusCode.Unauthorized, "merchant_disabled");
        }
        (await merchant.CreateAsync(TestMerchant.ValidCreate())).AssertError(HttpStatusCode.Unauthorized, "merchant_disabled");
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE code = $c", ("$c", code)));

        using (var enable = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{merchant.ClientId}", new { disabled = false }))
        {
            Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await merchant.CreateAsync(TestMerchant.ValidCreate())).Status);
    }

    [Fact]
    public async Task AnAcquirerConnectionCanBeRotatedAndDisabled()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await gateway.CreateMerchantAsync();
        var (code, _) = await merchant.CreateCodeAsync();
        var old = await TestStore.CreateAsync(gateway, "POSNET");

        var (newSecret, _) = await RotateAsync(gateway, "/admin/v1/acquirers/POSNET/secret-keys", new { old_key_expires_in = 60 });
        var renewed = new TestStore(gateway, "POSNET", old.ClientId, newSecret);

        Assert.Equal(HttpStatusCode.OK, (await old.InquiryAsync(code)).Status);
        Assert.Equal(HttpStatusCode.OK, (await renewed.InquiryAsync(code)).Status);
        gateway.Time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.Unauthorized, (await old.InquiryAsync(code)).Status);

        using (var disable = await gateway.Admin.PatchAsJsonAsync("/admin/v1/acquirers/POSNET", new { disabled = true }))
        {
            Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
            Assert.DoesNotContain("secret_key", await disable.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }
        var refused = await renewed.InquiryAsync(code);
        refused.AssertError(HttpStatusCode.Unauthorized, "acquirer_disabled");
    }
}
