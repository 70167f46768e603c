using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Hardening;

/// <summary>Where notifications may go and which links the gateway hands out, whatever a request says.</summary>
public sealed class UrlRuleTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private TestMerchant Merchant => fixture.Merchant;

    private static Dictionary<string, object?> WithOverride(string url)
    {
        var body = TestMerchant.ValidCreate();
        body["additional_info"] = new Dictionary<string, object?> { ["override_notification_url"] = url };
        return body;
    }

    /// <summary>The fixture merchant's configured URL is https://shop.example.com/payments/notifications.</summary>
    [Theory]
    [InlineData("http://shop.example.com/payments/notifications")] // downgrade to clear text
    [InlineData("https://attacker.example.net/payments/notifications")] // another host, same path
    [InlineData("https://shop.example.com.attacker.example.net/payments/notifications")]
    [InlineData("https://shop.example.com:8443/payments/notifications")] // another port
    [InlineData("https://user@attacker.example.net/payments/notifications")]
    public async Task AnOverrideUrlCannotDowngradeOrRedirectNotifications(string url)
    {
        var response = await Merchant.CreateAsync(WithOverride(url));

        response.AssertError(HttpStatusCode.BadRequest, "invalid_field", "additional_info.override_notification_url");
    }

    [Fact]
    public async Task AnOverrideUrlWithTheConfiguredSchemeHostAndPathIsAccepted()
    {
        var response = await Merchant.CreateAsync(WithOverride("https://SHOP.example.com/payments/notifications?outlet=7"));

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
    }

    [Fact]
    public async Task SandboxLinksNeverReflectTheHostHeaderOncePublicBaseUrlIsSet()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:PublicBaseUrl=https://pay.example.com/tunai");
        var merchant = await gateway.CreateMerchantAsync();

        var response = await merchant.SendAsync(HttpMethod.Post, TestMerchant.CreatePath,
            System.Text.Json.JsonSerializer.Serialize(TestMerchant.ValidCreate()),
            tamper: request => request.Headers.Host = "attacker.example.net");

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        var links = response.Json["online_to_offline_info"]!;
        Assert.StartsWith("https://pay.example.com/tunai/", (string)links["how_to_pay_page"]!, StringComparison.Ordinal);
        Assert.StartsWith("https://pay.example.com/tunai/", (string)links["how_to_pay_api"]!, StringComparison.Ordinal);
        Assert.DoesNotContain("attacker", response.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("notification_url")]
    [InlineData("inquiry_url")]
    public async Task ProductionRefusesAPlainHttpMerchantUrl(string field)
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:Mode=Production", "Tunai:PublicBaseUrl=https://pay.example.com");
        var ct = TestContext.Current.CancellationToken;

        using var create = await gateway.Admin.PostAsJsonAsync("/admin/v1/merchants",
            new Dictionary<string, string> { ["name"] = "Toko", [field] = "http://shop.example.com/payments/x" }, ct);
        Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
        Assert.Contains("https", await create.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

        var merchant = await gateway.CreateMerchantAsync(new Dictionary<string, string> { ["name"] = "Toko", [field] = "https://shop.example.com/payments/x" });
        using var patch = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{merchant.ClientId}",
            new Dictionary<string, string> { [field] = "http://shop.example.com/payments/x" }, ct);
        Assert.Equal(HttpStatusCode.BadRequest, patch.StatusCode);
    }

    [Fact]
    public async Task ProductionOnAPrivateNetworkTakesPlainHttpMerchantUrlsWhenAllowedExplicitly()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:Mode=Production", "Tunai:PublicBaseUrl=http://tunai.internal",
            "Tunai:AllowPlainHttp=true");

        var merchant = await gateway.CreateMerchantAsync(new { name = "Toko", notification_url = "http://shop.internal/payments/notifications" });

        using var stored = await gateway.Admin.GetAsync($"/admin/v1/merchants/{merchant.ClientId}", TestContext.Current.CancellationToken);
        var body = await stored.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(stored.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("http://shop.internal/payments/notifications", (string?)GatewayHost.Json(body)["notification_url"]);
    }

    [Fact]
    public void ThisFixtureIsASandboxChosenByListeningOnLoopbackOnly()
    {
        var options = fixture.Gateway.Services.GetService(typeof(IOptions<Configuration.TunaiOptions>)) as IOptions<Configuration.TunaiOptions>;
        Assert.Equal(Configuration.GatewayMode.Sandbox, options!.Value.Mode);
    }
}
