using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.BackOffice;

/// <summary>The back office over plain HTTP: sessions, antiforgery, roles and isolation checked by the server itself.</summary>
public sealed class BackOfficeSecurityTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await GatewayHost.StartAsync();

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    /// <summary>Every back-office page the app maps, read from its endpoints, so a page added later is covered too.</summary>
    private List<string> Pages() =>
        _gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => "/" + (e.RoutePattern.RawText ?? "").TrimStart('/'))
            .Where(p => p.StartsWith("/backoffice", StringComparison.Ordinal)
                && p is not ("/backoffice/sign-in" or "/backoffice/app.css") && !p.StartsWith("/backoffice/language", StringComparison.Ordinal))
            .Select(p => System.Text.RegularExpressions.Regex.Replace(p, "{[^}]+}", "4976756981583734"))
            .Distinct().ToList();

    [Fact]
    public async Task EveryRouteWithoutASessionRedirectsToSignIn()
    {
        var pages = Pages();
        Assert.Contains("/backoffice/sandbox/clock", pages);
        Assert.Contains("/backoffice/codes/4976756981583734", pages);
        using var client = new BackOfficeHttp(_gateway);
        foreach (var page in pages)
        {
            var (status, _, location) = await client.GetAsync(page);
            Assert.True(status == HttpStatusCode.Redirect, $"{page}: {status}");
            Assert.StartsWith("/backoffice/sign-in?returnUrl=", location!.OriginalString, StringComparison.Ordinal);
        }
        // A session cookie the server does not know is no session.
        client.Cookies.Add(_gateway.BaseAddress, new Cookie(SessionAuthentication.CookieName, "forged-token") { Path = "/backoffice" });
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/backoffice")).Status);
    }

    [Fact]
    public async Task AFormPostWithoutTheAntiforgeryTokenIsRefused()
    {
        var merchant = await _gateway.CreateMerchantAsync();
        var (code, _) = await merchant.CreateCodeAsync();
        var (email, password) = await BackOfficeAccounts.SandboxAdminAsync(_gateway);
        using var client = new BackOfficeHttp(_gateway);
        Assert.Equal(HttpStatusCode.Redirect, (await client.SignInAsync(email, password)).Status);
        await client.GetAsync($"/backoffice/codes/{code}");

        var refused = await client.PostAsync($"/backoffice/codes/{code}", "cancel", withToken: false);

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal(0, await _gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE code = @c AND status = 'CANCELLED'", ("c", code)));
        // The same post with the token is what the page's button sends, and it cancels.
        var accepted = await client.PostAsync($"/backoffice/codes/{code}", "cancel");
        Assert.Equal(HttpStatusCode.OK, accepted.Status);
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE code = @c AND status = 'CANCELLED'", ("c", code)));
        Assert.Equal(1, await _gateway.CountAsync(
            "SELECT count(*) FROM audit_log WHERE action = 'payment_code.cancel' AND target = @c AND actor = @a", ("c", code), ("a", email)));
    }

    [Fact]
    public async Task SignOutEndsTheSessionOnTheServer()
    {
        var email = await BackOfficeAccounts.AddAsync(_gateway, Roles.Viewer);
        using var client = new BackOfficeHttp(_gateway);
        await client.SignInAsync(email, BackOfficeAccounts.Password);
        var cookie = client.Cookies.GetCookies(new Uri(_gateway.BaseAddress, "/backoffice"))[SessionAuthentication.CookieName]!;
        Assert.True(cookie.HttpOnly);
        await client.GetAsync("/backoffice");

        await client.PostAsync("/backoffice/sign-out", "sign-out");

        // The old cookie, replayed by someone who copied it, no longer signs anyone in.
        using var copy = new BackOfficeHttp(_gateway);
        copy.Cookies.Add(_gateway.BaseAddress, new Cookie(SessionAuthentication.CookieName, cookie.Value) { Path = "/backoffice" });
        Assert.Equal(HttpStatusCode.Redirect, (await copy.GetAsync("/backoffice")).Status);
    }

    [Fact]
    public async Task AScriptInACustomerNameOrInfoIsShownAsText()
    {
        var merchant = await _gateway.CreateMerchantAsync();
        var body = TestMerchant.ValidCreate();
        ((Dictionary<string, object?>)body["customer"]!)["name"] = "<script>alert(1)</script>";
        ((Dictionary<string, object?>)body["online_to_offline_info"]!)["info"] = "<img src=x onerror=alert(2)>";
        var created = await merchant.CreateAsync(body);
        Assert.True(created.Status == HttpStatusCode.OK, created.Body);
        var code = (string)created.Json["online_to_offline_info"]!["payment_code"]!;
        var (email, password) = await BackOfficeAccounts.SandboxAdminAsync(_gateway);
        using var client = new BackOfficeHttp(_gateway);
        await client.SignInAsync(email, password);

        foreach (var page in new[] { "/backoffice", $"/backoffice/codes/{code}", $"/backoffice/search?q={code}" })
        {
            var (status, html, _) = await client.GetAsync(page);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AViewersReplayIsRefusedByTheServerAndAnOperatorsIsDone()
    {
        var merchant = await _gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(_gateway);
        var (code, _) = await merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);
        var notification = (string)(await _gateway.RowAsync("SELECT notification_id FROM notifications"))["notification_id"]!;
        // No notification URL: the first attempt fails, and the next is hours away.
        await Eventually.WaitAsync(() => _gateway.CountAsync("SELECT attempts FROM notifications"), n => n >= 1, "the first attempt");
        var dueBefore = await _gateway.CountAsync("SELECT next_attempt_at FROM notifications");

        using var viewer = new BackOfficeHttp(_gateway);
        await viewer.SignInAsync(await BackOfficeAccounts.AddAsync(_gateway, Roles.Viewer), BackOfficeAccounts.Password);
        var page = await viewer.GetAsync($"/backoffice/codes/{code}");
        Assert.DoesNotContain("class=\"replay\"", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"cancel\"", page.Body, StringComparison.Ordinal);
        var refused = await viewer.PostAsync($"/backoffice/codes/{code}", $"replay-{notification}");
        var cancel = await viewer.PostAsync($"/backoffice/codes/{code}", "cancel");

        // A Viewer's page has no such form, so the server finds no handler to run (400); were the form rendered, the
        // handler's own role check would answer 403. Either way nothing is done.
        Assert.True(refused.Status is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden, $"replay: {refused.Status}");
        Assert.True(cancel.Status is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden, $"cancel: {cancel.Status}");
        Assert.Equal(dueBefore, await _gateway.CountAsync("SELECT next_attempt_at FROM notifications"));
        Assert.Equal(0, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'notification.replay'"));
        Assert.Equal("PAID", (string)(await _gateway.RowAsync("SELECT status FROM payment_codes WHERE code = @c", ("c", code)))["status"]!);

        using var operatorClient = new BackOfficeHttp(_gateway);
        await operatorClient.SignInAsync(await BackOfficeAccounts.AddAsync(_gateway, Roles.Operator), BackOfficeAccounts.Password);
        await operatorClient.GetAsync($"/backoffice/codes/{code}");
        var done = await operatorClient.PostAsync($"/backoffice/codes/{code}", $"replay-{notification}");

        Assert.Equal(HttpStatusCode.OK, done.Status);
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'notification.replay' AND target = @n", ("n", notification)));
        await Eventually.WaitAsync(() => _gateway.CountAsync("SELECT attempts FROM notifications"), n => n >= 2, "the replayed attempt");
    }

    [Fact]
    public async Task AMerchantUserReachesNothingOfAnotherMerchant()
    {
        var own = await _gateway.CreateMerchantAsync();
        var other = await _gateway.CreateMerchantAsync(new { name = "Toko Lain" });
        var (ownCode, _) = await own.CreateCodeAsync();
        var otherBody = TestMerchant.ValidCreate();
        var (otherCode, _) = await other.CreateCodeAsync(otherBody);
        var otherInvoice = (string)((Dictionary<string, object?>)otherBody["order"]!)["invoice_number"]!;
        using var client = new BackOfficeHttp(_gateway);
        await client.SignInAsync(await BackOfficeAccounts.AddAsync(_gateway, Roles.Merchant, await BackOfficeAccounts.MerchantIdAsync(_gateway, own.ClientId)),
            BackOfficeAccounts.Password);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/backoffice/codes/{ownCode}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/backoffice/codes/{otherCode}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/backoffice/merchants/{other.ClientId}")).Status);
        // The search box echoes what was typed; what must not appear is a result linking to the code.
        Assert.DoesNotContain($"/backoffice/codes/{otherCode}", (await client.GetAsync($"/backoffice/search?q={otherCode}")).Body, StringComparison.Ordinal);
        Assert.DoesNotContain(otherCode, (await client.GetAsync($"/backoffice/search?q={otherInvoice}")).Body, StringComparison.Ordinal);
        Assert.Contains($"/backoffice/codes/{ownCode}", (await client.GetAsync($"/backoffice/search?q={ownCode}")).Body, StringComparison.Ordinal);
        Assert.DoesNotContain(otherCode, (await client.GetAsync("/backoffice")).Body, StringComparison.Ordinal);
        var merchants = (await client.GetAsync("/backoffice/merchants")).Body;
        Assert.Contains(own.ClientId, merchants, StringComparison.Ordinal);
        Assert.DoesNotContain(other.ClientId, merchants, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/backoffice/audit")).Status);
        // Changing another merchant's URLs is refused even with a valid form post.
        var post = await client.PostAsync($"/backoffice/merchants/{other.ClientId}", "urls", [new("NotificationUrl", "http://127.0.0.1:9/x")]);
        Assert.NotEqual(HttpStatusCode.OK, post.Status);
        Assert.Equal(0, await _gateway.CountAsync("SELECT count(*) FROM merchants WHERE notification_url = 'http://127.0.0.1:9/x'"));
    }

    [Fact]
    public async Task AdminApiChangesAreAuditedWithoutSecretsAndListedForAnAdmin()
    {
        var merchant = await _gateway.CreateMerchantAsync();
        using var patch = await _gateway.Admin.PatchAsync($"/admin/v1/merchants/{merchant.ClientId}",
            System.Net.Http.Json.JsonContent.Create(new { notification_url = "https://shop.example.test/n", regenerate_secret_key = true }));
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        var newSecret = (string)GatewayHost.Json(await patch.Content.ReadAsStringAsync())["secret_key"]!;
        var store = await TestStore.CreateAsync(_gateway);
        var payer = await _gateway.CreateMerchantAsync(new { name = "Toko Bayar" });
        var (code, _) = await payer.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);
        using var retry = await _gateway.Admin.PostAsync("/admin/v1/notifications/retry",
            System.Net.Http.Json.JsonContent.Create(new { client_id = merchant.ClientId, status = "PENDING" }));
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);

        foreach (var action in new[] { "merchant.create", "merchant.update", "acquirer.create", "notification.replay_matching" })
        {
            Assert.True(await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = @a AND actor = 'admin-token' AND address = '127.0.0.1'", ("a", action)) >= 1, action);
        }
        var update = await _gateway.RowAsync("SELECT before, after FROM audit_log WHERE action = 'merchant.update'");
        Assert.Contains("https://shop.example.test/n", (string)update["after"]!, StringComparison.Ordinal);
        var secrets = new[] { merchant.SecretKey, newSecret, payer.SecretKey, store.SecretKey };
        var entries = await _gateway.CountAsync("SELECT count(*) FROM audit_log");
        var everything = string.Join("\n", await Task.WhenAll(Enumerable.Range(0, (int)entries).Select(async i =>
            string.Join(" ", (await _gateway.RowAsync("SELECT before, after FROM audit_log ORDER BY id LIMIT 1 OFFSET @i", ("i", i))).Values))));
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, everything, StringComparison.Ordinal));

        var (email, password) = await BackOfficeAccounts.SandboxAdminAsync(_gateway);
        using var client = new BackOfficeHttp(_gateway);
        await client.SignInAsync(email, password);
        var listed = await client.GetAsync("/backoffice/audit?action=merchant.update");
        Assert.Equal(HttpStatusCode.OK, listed.Status);
        Assert.Contains(merchant.ClientId, listed.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("acquirer.create", listed.Body.Replace("e.g. payment_code.cancel", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheAuditTrailCannotBeChangedOrDeleted()
    {
        await _gateway.CreateMerchantAsync();
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'merchant.create' AND actor = 'admin-token'"));
        Assert.DoesNotContain("secret", (string)(await _gateway.RowAsync("SELECT after FROM audit_log"))["after"]!, StringComparison.OrdinalIgnoreCase);

        await Assert.ThrowsAnyAsync<Exception>(() => _gateway.ExecuteAsync("UPDATE audit_log SET actor = 'someone else'"));
        await Assert.ThrowsAnyAsync<Exception>(() => _gateway.ExecuteAsync("DELETE FROM audit_log"));
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE actor = 'admin-token'"));
    }
}

/// <summary>Outside sandbox mode the sandbox's tools do not exist, signed in or not.</summary>
public sealed class BackOfficeProductionTests
{
    [Fact]
    public async Task TheTestClockAndSimulatorAnswer404OutsideSandbox()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:Mode=Production", "Tunai:PublicBaseUrl=https://pay.example.test");
        Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM operators"));
        using var client = new BackOfficeHttp(gateway);
        foreach (var path in new[] { "/backoffice/sandbox/clock", "/backoffice/sandbox/simulator", "/backoffice/sandbox/signature" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(path)).Status);
        }
        var email = await BackOfficeAccounts.AddAsync(gateway, Roles.Admin);
        await client.SignInAsync(email, BackOfficeAccounts.Password);
        // Outside sandbox the cookie is Secure: this plain-HTTP client would not send it back, so it is copied by hand.
        var setCookie = client.LastSetCookies.Single(c => c.StartsWith(SessionAuthentication.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("secure", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        using var signedIn = new BackOfficeHttp(gateway);
        signedIn.Cookies.Add(gateway.BaseAddress,
            new Cookie(SessionAuthentication.CookieName, setCookie.Split(';')[0].Split('=', 2)[1]) { Path = "/backoffice" });
        Assert.Equal(HttpStatusCode.OK, (await signedIn.GetAsync("/backoffice")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await signedIn.GetAsync("/backoffice/sandbox/clock")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await signedIn.PostAsync("/backoffice/sandbox/clock", "forward", [new("Minutes", "120")])).Status);
        Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM gateway_settings WHERE key = 'sandbox_clock_offset_ms'"));
    }
}
