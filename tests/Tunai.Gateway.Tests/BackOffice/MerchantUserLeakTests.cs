using System.Net;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.BackOffice;

/// <summary>What a merchant's own back-office user learns beyond its own data: nothing about the gateway's network.</summary>
public sealed class MerchantUserLeakTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    // Production's rule on a sandbox: a merchant URL on a non-public address is refused after DNS.
    public async ValueTask InitializeAsync() => _gateway = await GatewayHost.StartAsync(null, "Tunai:Outbound:AllowPrivateNetworks=false");

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    private async Task<BackOfficeHttp> SignedInAsync(string role, long? merchantId = null)
    {
        var client = new BackOfficeHttp(_gateway);
        var signIn = await client.SignInAsync(await BackOfficeAccounts.AddAsync(_gateway, role, merchantId), BackOfficeAccounts.Password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.Status);
        return client;
    }

    private async Task<(TestMerchant Merchant, string Code)> RefusedDeliveryAsync()
    {
        var merchant = await _gateway.CreateMerchantAsync(new { name = "Toko", notification_url = "http://localhost:9/notify" });
        var store = await TestStore.CreateAsync(_gateway);
        var (code, _) = await merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);
        await Eventually.WaitAsync(async () =>
        {
            using var list = await _gateway.Admin.GetAsync($"/admin/v1/notifications?client_id={merchant.ClientId}");
            return GatewayHost.Json(await list.Content.ReadAsStringAsync())["data"]![0]!;
        }, n => (int)n["attempts"]! >= 1, "the refused attempt", TimeSpan.FromSeconds(30));
        return (merchant, code);
    }

    [Fact]
    public async Task AMerchantUserIsToldItsHostIsNotPublicWithoutTheAddressesItResolvesTo()
    {
        var (merchant, code) = await RefusedDeliveryAsync();
        using var merchantUser = await SignedInAsync(Roles.Merchant, await BackOfficeAccounts.MerchantIdAsync(_gateway, merchant.ClientId));
        using var staff = await SignedInAsync(Roles.Viewer);

        foreach (var page in new[] { "/backoffice/notifications", $"/backoffice/codes/{code}" })
        {
            var seen = await merchantUser.GetAsync(page);
            Assert.Equal(HttpStatusCode.OK, seen.Status);
            Assert.Contains("the host resolves to a non-public address", seen.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("127.0.0.1", seen.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("AllowPrivateNetworks", seen.Body, StringComparison.Ordinal);
            // The operator still sees what the name resolved to.
            Assert.Contains("127.0.0.1", (await staff.GetAsync(page)).Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AMerchantUsersReplayMatchingIsAuditedAgainstItsOwnMerchant()
    {
        var (merchant, _) = await RefusedDeliveryAsync();
        var other = await _gateway.CreateMerchantAsync();
        using var merchantUser = await SignedInAsync(Roles.Merchant, await BackOfficeAccounts.MerchantIdAsync(_gateway, merchant.ClientId));
        var page = $"/backoffice/notifications?merchant={other.ClientId}&status=PENDING";
        await merchantUser.GetAsync(page);

        var replay = await merchantUser.PostAsync(page, "replay-matching");

        Assert.Equal(HttpStatusCode.OK, replay.Status);
        var audit = await _gateway.RowAsync("SELECT target FROM audit_log WHERE action = 'notification.replay_matching'");
        Assert.Equal(merchant.ClientId, audit["target"]);
    }
}
