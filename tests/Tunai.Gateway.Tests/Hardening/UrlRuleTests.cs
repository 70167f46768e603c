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

    /// <summary>A Production gateway and a merchant whose notification URL is https://shop.example.com/payments/notifications.</summary>
    private static async Task<(GatewayHost Gateway, TestMerchant Merchant)> ProductionAsync(string? notificationUrl = "https://shop.example.com/payments/notifications")
    {
        var gateway = await GatewayHost.StartAsync(null, "Tunai:Mode=Production", "Tunai:PublicBaseUrl=https://pay.example.com");
        var merchant = await gateway.CreateMerchantAsync(notificationUrl is null ? new { name = "Toko" } : new { name = "Toko", notification_url = notificationUrl });
        return (gateway, merchant);
    }

    [Theory]
    [InlineData("http://shop.example.com/payments/notifications", false)] // downgrade to clear text
    [InlineData("https://attacker.example.net/payments/notifications", false)] // another host, same path
    [InlineData("https://shop.example.com.attacker.example.net/payments/notifications", false)]
    [InlineData("https://shop.example.com:8443/payments/notifications", false)] // another port
    [InlineData("https://user@attacker.example.net/payments/notifications", false)]
    [InlineData("https://user:pass@shop.example.com/payments/notifications", false)] // the right origin, with credentials
    [InlineData("https://SHOP.example.com/payments/notifications?outlet=7", true)]
    [InlineData("https://shop.example.com/other/path", true)]
    [InlineData("https://shop.example.com:443/hooks/tunai?store=12&kind=alfa", true)]
    public async Task InProductionAnOverrideUrlIsAnyPathAndQueryUnderTheMerchantsNotificationOrigins(string url, bool accepted)
    {
        var (gateway, merchant) = await ProductionAsync();
        await using var _ = gateway;

        var response = await merchant.CreateAsync(WithOverride(url));

        if (accepted)
        {
            Assert.True(response.Status == HttpStatusCode.OK, response.Body);
            Assert.Equal(url, (string)response.Json["additional_info"]!["override_notification_url"]!);
        }
        else
        {
            response.AssertError(HttpStatusCode.BadRequest, "invalid_field", "additional_info.override_notification_url");
            Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM payment_codes"));
        }
    }

    [Fact]
    public async Task InProductionAMerchantWithoutNotificationUrlOrOriginsTakesNoOverride()
    {
        var (gateway, merchant) = await ProductionAsync(notificationUrl: null);
        await using var _ = gateway;

        var response = await merchant.CreateAsync(WithOverride("https://another.example.com/payments/notifications"));

        response.AssertError(HttpStatusCode.BadRequest, "invalid_field", "additional_info.override_notification_url");
        Assert.Contains("notification_origins", response.Body, StringComparison.Ordinal);
    }

    /// <summary>PATCH /admin/v1/merchants/{client_id} with notification_origins: the status and the answer's body.</summary>
    private static async Task<(HttpStatusCode Status, System.Text.Json.Nodes.JsonNode Body)> SetOriginsAsync(GatewayHost gateway, TestMerchant merchant, string[]? origins)
    {
        using var patch = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{merchant.ClientId}",
            new Dictionary<string, object?> { ["notification_origins"] = origins }, TestContext.Current.CancellationToken);
        return (patch.StatusCode, GatewayHost.Json(await patch.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task OriginsGivenToTheMerchantAreTheOnlyOnesAndTheChangeIsAudited()
    {
        var (gateway, merchant) = await ProductionAsync();
        await using var _ = gateway;

        var (status, view) = await SetOriginsAsync(gateway, merchant, ["https://Hooks.Example.net:8443/", "https://pos.example.org"]);
        Assert.True(status == HttpStatusCode.OK, view.ToJsonString());
        Assert.Equal(["https://hooks.example.net:8443", "https://pos.example.org"], view["notification_origins"]!.AsArray().Select(o => (string)o!));
        Assert.False((bool)view["notification_origins_from_url"]!);

        Assert.Equal(HttpStatusCode.OK, (await merchant.CreateAsync(WithOverride("https://hooks.example.net:8443/tunai?shop=3"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await merchant.CreateAsync(WithOverride("https://pos.example.org/a/b"))).Status);
        // The notification URL's own origin is no longer one of them: the list replaced it.
        (await merchant.CreateAsync(WithOverride("https://shop.example.com/payments/notifications")))
            .AssertError(HttpStatusCode.BadRequest, "invalid_field", "additional_info.override_notification_url");
        (await merchant.CreateAsync(WithOverride("https://hooks.example.net/tunai")))
            .AssertError(HttpStatusCode.BadRequest, "invalid_field", "additional_info.override_notification_url");
        Assert.Equal(1, await gateway.CountAsync(
            "SELECT count(*) FROM audit_log WHERE action = 'merchant.update' AND target = $m AND after LIKE $o",
            ("$m", merchant.ClientId), ("$o", "%hooks.example.net:8443%")));

        // null: back to the notification URL's origin.
        Assert.Equal(HttpStatusCode.OK, (await SetOriginsAsync(gateway, merchant, null)).Status);
        Assert.Equal(HttpStatusCode.OK, (await merchant.CreateAsync(WithOverride("https://shop.example.com/elsewhere"))).Status);
    }

    [Theory]
    [InlineData("http://hooks.example.net")] // clear text in Production
    [InlineData("https://hooks.example.net/path")]
    [InlineData("https://hooks.example.net?x=1")]
    [InlineData("https://user@hooks.example.net")]
    [InlineData("ftp://hooks.example.net")]
    [InlineData("hooks.example.net")]
    public async Task ANotificationOriginIsAnHttpsOriginAndNothingMore(string origin)
    {
        var (gateway, merchant) = await ProductionAsync();
        await using var _ = gateway;

        var (status, refusal) = await SetOriginsAsync(gateway, merchant, ["https://fine.example.com", origin]);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("notification_origins[1]", (string?)refusal["error"]!["field"]);
        using var read = await gateway.Admin.GetAsync($"/admin/v1/merchants/{merchant.ClientId}", TestContext.Current.CancellationToken);
        Assert.True((bool)GatewayHost.Json(await read.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))["notification_origins_from_url"]!);
    }

    [Theory]
    [InlineData("https://another.example.com/payments/notifications", true)]
    [InlineData("http://hooks.example.net:8080/anything?x=1", true)]
    [InlineData("https://8.8.8.8/payments", true)]
    [InlineData("http://127.0.0.1:8080/payments/notifications", false)]
    [InlineData("http://10.1.2.3/payments/notifications", false)]
    [InlineData("http://192.168.1.10/payments/notifications", false)]
    [InlineData("http://[::1]:8080/payments/notifications", false)]
    [InlineData("http://169.254.169.254/latest/meta-data", false)]
    [InlineData("http://localhost:8080/payments/notifications", false)]
    [InlineData("http://api.localhost/payments/notifications", false)]
    public async Task TheSandboxTakesAnyPublicOriginAndNoOther(string url, bool accepted)
    {
        var response = await Merchant.CreateAsync(WithOverride(url));

        if (accepted)
        {
            Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        }
        else
        {
            response.AssertError(HttpStatusCode.BadRequest, "invalid_field", "additional_info.override_notification_url");
        }
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
