using System.Net;
using System.Text.RegularExpressions;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.BackOffice;

/// <summary>What each role is shown and may do, over HTTP; the server's answer is what counts, not the menu.</summary>
public sealed partial class BackOfficeRoleTests : IAsyncLifetime
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

    private static string[] Menu(string html) =>
        [.. MenuLink().Matches(html.Split("<nav class=\"main\"")[1].Split("</nav>")[0]).Select(m => m.Groups[1].Value)];

    [Fact]
    public async Task EachRoleIsShownItsOwnMenuAndRefusedTheRest()
    {
        var merchant = await _gateway.CreateMerchantAsync();
        var merchantId = await BackOfficeAccounts.MerchantIdAsync(_gateway, merchant.ClientId);
        string[] common = ["/backoffice", "/backoffice/search", "/backoffice/notifications", "/backoffice/merchants", "/backoffice/settlements"];
        string[] staff = [.. common, "/backoffice/reconciliations"];
        string[] sandbox = ["/backoffice/sandbox/simulator", "/backoffice/sandbox/clock", "/backoffice/sandbox/signature"];
        string[] admin = ["/backoffice/audit", "/backoffice/operators"];
        var expected = new Dictionary<string, string[]>
        {
            [Roles.Viewer] = staff,
            [Roles.Merchant] = common,
            [Roles.Operator] = [.. staff, .. sandbox],
            [Roles.Admin] = [.. staff, .. admin, .. sandbox],
        };
        foreach (var (role, menu) in expected)
        {
            using var client = await SignedInAsync(role, role == Roles.Merchant ? merchantId : null);
            var home = await client.GetAsync("/backoffice");
            Assert.Equal(HttpStatusCode.OK, home.Status);
            Assert.Equal(menu.Order(), Menu(home.Body).Order());
            foreach (var page in admin)
            {
                var answer = await client.GetAsync(page);
                Assert.True((answer.Status == HttpStatusCode.OK) == (role == Roles.Admin), $"{role} {page}: {answer.Status}");
            }
            var clock = await client.GetAsync("/backoffice/sandbox/clock");
            Assert.Equal(role is Roles.Operator or Roles.Admin, clock.Body.Contains("id=\"forward\"", StringComparison.Ordinal));
            var merchants = await client.GetAsync("/backoffice/merchants");
            Assert.Equal(role == Roles.Admin, merchants.Body.Contains("id=\"create-merchant\"", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AnAdminAddsAnAccountWhosePasswordIsShownOnce()
    {
        using var admin = await SignedInAsync(Roles.Admin);
        await admin.GetAsync("/backoffice/operators");

        var added = await admin.PostAsync("/backoffice/operators", "add-operator", [new("Email", "new.viewer@example.test"), new("Role", "Viewer")]);

        Assert.Equal(HttpStatusCode.OK, added.Status);
        var password = WebUtility.HtmlDecode(NewPassword().Match(added.Body).Groups[1].Value);
        Assert.True(password.Length >= Operators.MinPasswordLength, added.Body);
        Assert.DoesNotContain(password, (await admin.GetAsync("/backoffice/operators")).Body, StringComparison.Ordinal);
        Assert.DoesNotContain(password, (await admin.GetAsync("/backoffice/audit")).Body, StringComparison.Ordinal);
        using var viewer = new BackOfficeHttp(_gateway);
        Assert.Equal(HttpStatusCode.Redirect, (await viewer.SignInAsync("new.viewer@example.test", password)).Status);
        // A Viewer's post to the same form is refused by the server.
        await viewer.GetAsync("/backoffice/account");
        var refused = await viewer.PostAsync("/backoffice/operators", "add-operator", [new("Email", "sneaky@example.test"), new("Role", "Admin")]);
        Assert.NotEqual(HttpStatusCode.OK, refused.Status);
        Assert.Equal(0, await _gateway.CountAsync("SELECT count(*) FROM operators WHERE email = 'sneaky@example.test'"));
    }

    [Fact]
    public async Task APasswordChangeSignsOutTheOtherSessions()
    {
        var email = await BackOfficeAccounts.AddAsync(_gateway, Roles.Operator);
        using var first = new BackOfficeHttp(_gateway);
        using var second = new BackOfficeHttp(_gateway);
        await first.SignInAsync(email, BackOfficeAccounts.Password);
        await second.SignInAsync(email, BackOfficeAccounts.Password);
        await first.GetAsync("/backoffice/account");

        var wrong = await first.PostAsync("/backoffice/account", "password", [new("Current", "not it"), new("Next", "a brand new passphrase")]);
        var changed = await first.PostAsync("/backoffice/account", "password",
            [new("Current", BackOfficeAccounts.Password), new("Next", "a brand new passphrase")]);

        Assert.Contains("id=\"error\"", wrong.Body, StringComparison.Ordinal);
        Assert.Contains("id=\"message\"", changed.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/backoffice")).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await second.GetAsync("/backoffice")).Status);
        using var again = new BackOfficeHttp(_gateway);
        Assert.Equal(HttpStatusCode.Unauthorized, (await again.SignInAsync(email, BackOfficeAccounts.Password)).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await again.SignInAsync(email, "a brand new passphrase")).Status);
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'operator.password_change' AND actor = @e", ("e", email)));
    }

    [Fact]
    public async Task AMerchantUserSetsItsOwnUrlsAndTheChangeIsAudited()
    {
        var merchant = await _gateway.CreateMerchantAsync();
        using var client = await SignedInAsync(Roles.Merchant, await BackOfficeAccounts.MerchantIdAsync(_gateway, merchant.ClientId));
        await client.GetAsync($"/backoffice/merchants/{merchant.ClientId}");

        var bad = await client.PostAsync($"/backoffice/merchants/{merchant.ClientId}", "urls", [new("NotificationUrl", "ftp://shop.example.test/")]);
        var saved = await client.PostAsync($"/backoffice/merchants/{merchant.ClientId}", "urls",
            [new("NotificationUrl", "https://shop.example.test/notify"), new("InquiryUrl", "")]);

        Assert.Contains("id=\"error\"", bad.Body, StringComparison.Ordinal);
        Assert.Contains("https://shop.example.test/notify", saved.Body, StringComparison.Ordinal);
        using var get = await _gateway.Admin.GetAsync($"/admin/v1/merchants/{merchant.ClientId}");
        Assert.Equal("https://shop.example.test/notify", (string)GatewayHost.Json(await get.Content.ReadAsStringAsync())["notification_url"]!);
        var audit = await _gateway.RowAsync("SELECT actor, role, before, after FROM audit_log WHERE action = 'merchant.update'");
        Assert.Equal(Roles.Merchant, audit["role"]);
        Assert.Contains("https://shop.example.test/notify", (string)audit["after"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheMerchantPageSetsTheNotificationOriginsAsTheAdminApiDoesAudited()
    {
        var merchant = await _gateway.CreateMerchantAsync(new { name = "Toko", notification_url = "https://shop.example.test/notify" });
        using var client = await SignedInAsync(Roles.Merchant, await BackOfficeAccounts.MerchantIdAsync(_gateway, merchant.ClientId));
        var page = await client.GetAsync($"/backoffice/merchants/{merchant.ClientId}");
        Assert.Contains("https://shop.example.test (the notification URL&#x27;s)", page.Body, StringComparison.Ordinal);

        var bad = await client.PostAsync($"/backoffice/merchants/{merchant.ClientId}", "urls",
            [new("NotificationUrl", "https://shop.example.test/notify"), new("Origins", "https://hooks.example.test/path")]);
        var saved = await client.PostAsync($"/backoffice/merchants/{merchant.ClientId}", "urls",
            [new("NotificationUrl", "https://shop.example.test/notify"), new("Origins", "https://Hooks.example.test:8443\r\nhttps://pos.example.test\r\n")]);

        Assert.Contains("id=\"error\"", bad.Body, StringComparison.Ordinal);
        Assert.Contains("https://hooks.example.test:8443, https://pos.example.test", saved.Body, StringComparison.Ordinal);
        using var get = await _gateway.Admin.GetAsync($"/admin/v1/merchants/{merchant.ClientId}");
        var view = GatewayHost.Json(await get.Content.ReadAsStringAsync());
        Assert.Equal(["https://hooks.example.test:8443", "https://pos.example.test"], view["notification_origins"]!.AsArray().Select(o => (string)o!));
        var audit = await _gateway.RowAsync("SELECT role, after FROM audit_log WHERE action = 'merchant.update' AND after LIKE $o", ("$o", "%pos.example.test%"));
        Assert.Equal(Roles.Merchant, audit["role"]);
        var body = TestMerchant.ValidCreate();
        body["additional_info"] = new Dictionary<string, object?> { ["override_notification_url"] = "https://pos.example.test/alfa?shop=1" };
        Assert.Equal(HttpStatusCode.OK, (await merchant.CreateAsync(body)).Status);

        // Emptied: back to the notification URL's origin.
        await client.PostAsync($"/backoffice/merchants/{merchant.ClientId}", "urls", [new("NotificationUrl", "https://shop.example.test/notify"), new("Origins", "")]);
        Assert.Null((await _gateway.RowAsync("SELECT notification_origins FROM merchants WHERE client_id = $c", ("$c", merchant.ClientId)))["notification_origins"]);
    }

    [Fact]
    public async Task AMerchantUserSetsItsOwnSnapSettingsThroughTheSameRulesAndTheChangeIsAudited()
    {
        var merchant = await _gateway.CreateMerchantAsync();
        using var client = await SignedInAsync(Roles.Merchant, await BackOfficeAccounts.MerchantIdAsync(_gateway, merchant.ClientId));
        await client.GetAsync($"/backoffice/merchants/{merchant.ClientId}");
        using var rsa = System.Security.Cryptography.RSA.Create(2048);

        var incomplete = await client.PostAsync($"/backoffice/merchants/{merchant.ClientId}", "snap",
            [new("Protocol", "SNAP"), new("SignatureToken", "ACCESS_TOKEN"), new("SnapTokenUrl", "https://shop.example.test/snap/token")]);
        var saved = await client.PostAsync($"/backoffice/merchants/{merchant.ClientId}", "snap",
        [
            new("Protocol", "SNAP"), new("SignatureToken", "ISSUED_TOKEN"), new("SnapTokenUrl", "https://shop.example.test/snap/token"),
            new("SnapNotificationUrl", "https://shop.example.test/snap/payment"), new("SnapInquiryUrl", ""),
            new("SnapPublicKey", rsa.ExportSubjectPublicKeyInfoPem()),
        ]);

        Assert.Contains("snap_notification_url", incomplete.Body, StringComparison.Ordinal);
        Assert.Contains("id=\"error\"", incomplete.Body, StringComparison.Ordinal);
        Assert.Contains("id=\"message\"", saved.Body, StringComparison.Ordinal);
        using var get = await _gateway.Admin.GetAsync($"/admin/v1/merchants/{merchant.ClientId}");
        var view = GatewayHost.Json(await get.Content.ReadAsStringAsync());
        Assert.Equal("SNAP", (string)view["notification_protocol"]!);
        Assert.Equal("https://shop.example.test/snap/payment", (string)view["snap_notification_url"]!);
        Assert.Equal("ISSUED_TOKEN", (string)view["snap_signature_token"]!);
        Assert.Null(view["snap_inquiry_url"]);
        var key = await _gateway.RowAsync("SELECT snap_public_key FROM merchants WHERE client_id = @c", ("c", merchant.ClientId));
        Assert.Equal(rsa.ExportSubjectPublicKeyInfoPem().Trim(), ((string)key["snap_public_key"]!).Replace("\r\n", "\n", StringComparison.Ordinal));
        var audit = await _gateway.RowAsync("SELECT role, after FROM audit_log WHERE action = 'merchant.update'");
        Assert.Equal(Roles.Merchant, audit["role"]);
        Assert.Contains("https://shop.example.test/snap/payment", (string)audit["after"]!, StringComparison.Ordinal);
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'merchant.snap_public_key'"));
    }

    [GeneratedRegex("<a href=\"(/backoffice[^\"]*)\"")]
    private static partial Regex MenuLink();

    [GeneratedRegex("id=\"new-password\">([^<]+)<")]
    private static partial Regex NewPassword();
}
