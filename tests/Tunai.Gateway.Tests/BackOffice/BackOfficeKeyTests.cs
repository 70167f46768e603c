using System.Net;
using System.Text.RegularExpressions;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.BackOffice;

/// <summary>Key rotation from the back office: the new key shown once, both keys verifying, audited without a key.</summary>
public sealed partial class BackOfficeKeyTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await GatewayHost.StartAsync();

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    private async Task<BackOfficeHttp> SignedInAsync(string role, long? merchantId = null)
    {
        var client = new BackOfficeHttp(_gateway);
        var signIn = await client.SignInAsync(await BackOfficeAccounts.AddAsync(_gateway, role, merchantId), BackOfficeAccounts.Password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.Status);
        return client;
    }

    private static string NewKey(string body) => WebUtility.HtmlDecode(NewSecret().Match(body).Groups[1].Value);

    private async Task AssertNoKeyInTheAuditTrailAsync(params string[] keys)
    {
        Assert.True(await _gateway.CountAsync("SELECT count(*) FROM audit_log") > 0);
        foreach (var key in keys)
        {
            Assert.Equal(0, await _gateway.CountAsync(
                "SELECT count(*) FROM audit_log WHERE coalesce(target, '') || coalesce(before, '') || coalesce(after, '') LIKE @k", ("k", $"%{key}%")));
        }
    }

    [Fact]
    public async Task AMerchantUserRotatesItsOwnKeyAndRequestsSignedWithEitherKeyAreAccepted()
    {
        var mine = await _gateway.CreateMerchantAsync();
        var other = await _gateway.CreateMerchantAsync();
        using var client = await SignedInAsync(Roles.Merchant, await BackOfficeAccounts.MerchantIdAsync(_gateway, mine.ClientId));
        // Asking for another merchant's page shows the user's own: the scope is the session's, not the address's.
        var page = await client.GetAsync($"/backoffice/keys?merchant={other.ClientId}");
        Assert.Contains($"Merchant {mine.ClientId}", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(other.ClientId + "<", page.Body, StringComparison.Ordinal);

        var rotated = await client.PostAsync($"/backoffice/keys?merchant={other.ClientId}", "rotate", [new("ExpiresHours", "2")]);

        var newKey = NewKey(rotated.Body);
        Assert.True(newKey.Length >= 16, rotated.Body);
        Assert.NotEqual(mine.SecretKey, newKey);
        var withNew = new TestMerchant(_gateway, mine.ClientId, newKey, mine.CodePrefix);
        Assert.Equal(HttpStatusCode.OK, (await mine.CreateAsync(TestMerchant.ValidCreate())).Status);
        Assert.Equal(HttpStatusCode.OK, (await withNew.CreateAsync(TestMerchant.ValidCreate())).Status);
        // The other merchant's key did not change.
        Assert.Equal(HttpStatusCode.OK, (await other.CreateAsync(TestMerchant.ValidCreate())).Status);
        Assert.DoesNotContain(newKey, (await client.GetAsync("/backoffice/keys")).Body, StringComparison.Ordinal);
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'merchant.rotate_key' AND role = 'Merchant' AND target = @c",
            ("c", mine.ClientId)));
        await AssertNoKeyInTheAuditTrailAsync(newKey, mine.SecretKey);

        Assert.Contains("id=\"sign-with-new\"", (await client.GetAsync("/backoffice/keys")).Body, StringComparison.Ordinal);
        var switched = await client.PostAsync("/backoffice/keys", "sign-with-new");

        Assert.Contains("id=\"message\"", switched.Body, StringComparison.Ordinal);
        Assert.Equal(1, await _gateway.CountAsync("SELECT signs_with_new_key FROM merchants WHERE client_id = @c", ("c", mine.ClientId)));
    }

    [Fact]
    public async Task AnAdminRotatesAnAcquirersKeyAndAViewerIsRefused()
    {
        var merchant = await _gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(_gateway, "KEYS");
        var (code, _) = await merchant.CreateCodeAsync();
        using var viewer = await SignedInAsync(Roles.Viewer);
        using var admin = await SignedInAsync(Roles.Admin);

        var refusedPage = await viewer.GetAsync("/backoffice/keys?acquirer=KEYS");
        var refusedPost = await viewer.PostAsync("/backoffice/keys?acquirer=KEYS", "rotate", [new("ExpiresHours", "1")]);
        Assert.Equal(HttpStatusCode.Forbidden, refusedPage.Status);
        Assert.NotEqual(HttpStatusCode.OK, refusedPost.Status);
        Assert.Equal(0, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'acquirer.rotate_key'"));

        await admin.GetAsync("/backoffice/keys?acquirer=KEYS");
        var tooLong = await admin.PostAsync("/backoffice/keys?acquirer=KEYS", "rotate", [new("ExpiresHours", "721")]);
        var rotated = await admin.PostAsync("/backoffice/keys?acquirer=KEYS", "rotate", [new("ExpiresHours", "1")]);

        Assert.Contains("id=\"error\"", tooLong.Body, StringComparison.Ordinal);
        var newKey = NewKey(rotated.Body);
        Assert.True(newKey.Length >= 16, rotated.Body);
        var withNew = new TestStore(_gateway, store.AcquirerId, store.ClientId, newKey);
        Assert.Equal(HttpStatusCode.OK, (await store.InquiryAsync(code)).Status);
        Assert.Equal(HttpStatusCode.OK, (await withNew.InquiryAsync(code)).Status);
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'acquirer.rotate_key' AND role = 'Admin' AND target = 'KEYS'"));
        await AssertNoKeyInTheAuditTrailAsync(newKey, store.SecretKey);
        // Once the old key's hour has passed, only the new one verifies.
        _gateway.Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        var (later, _) = await merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await store.InquiryAsync(later)).Status);
        Assert.Equal(HttpStatusCode.OK, (await withNew.InquiryAsync(later)).Status);
    }

    [GeneratedRegex("id=\"new-secret\">([^<]+)<")]
    private static partial Regex NewSecret();
}
