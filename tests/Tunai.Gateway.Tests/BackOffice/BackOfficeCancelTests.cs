using System.Net;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.BackOffice;

/// <summary>
/// The back office's cancel button and the merchant API's cancel are one operation: whichever door is used, the same
/// rule decides and refuses for the same reason, and only a person's cancel is audited.
/// </summary>
public sealed class BackOfficeCancelTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await GatewayHost.StartAsync();

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task APageCancelOfACodePaidMeanwhileIsRefusedAsTheApiRefusesIt()
    {
        var merchant = await _gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(_gateway);
        var (code, _) = await merchant.CreateCodeAsync();
        using var client = await SignedInAdminAsync();
        var open = await client.GetAsync($"/backoffice/codes/{code}");
        Assert.Contains("id=\"cancel\"", open.Body, StringComparison.Ordinal);
        // The customer pays at the till while the operator has the page open.
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);

        var byPage = await client.PostAsync($"/backoffice/codes/{code}", "cancel");
        var byApi = await merchant.PatchAsync(new { online_to_offline_info = new { payment_code = code, status = "DELETE" } });

        byApi.AssertError(HttpStatusCode.BadRequest, "payment_code_paid", "online_to_offline_info.payment_code");
        Assert.Contains("The code is paid and can no longer be cancelled.", byPage.Body, StringComparison.Ordinal);
        Assert.Equal("PAID", (await _gateway.RowAsync("SELECT status FROM payment_codes WHERE code = @c", ("c", code)))["status"]);
        Assert.Equal(0, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'payment_code.cancel' AND target = @c", ("c", code)));
    }

    [Fact]
    public async Task ACodeCancelledThroughOneDoorIsAlreadyCancelledForTheOther()
    {
        var merchant = await _gateway.CreateMerchantAsync();
        var (byApiFirst, _) = await merchant.CreateCodeAsync();
        var (byPageFirst, _) = await merchant.CreateCodeAsync();
        using var client = await SignedInAdminAsync();
        await client.GetAsync($"/backoffice/codes/{byApiFirst}");

        Assert.Equal(HttpStatusCode.OK, (await merchant.PatchAsync(new { online_to_offline_info = new { payment_code = byApiFirst, status = "DELETE" } })).Status);
        var thenPage = await client.PostAsync($"/backoffice/codes/{byApiFirst}", "cancel");
        var page = await client.PostAsync($"/backoffice/codes/{byPageFirst}", "cancel");
        var thenApi = await merchant.PatchAsync(new { online_to_offline_info = new { payment_code = byPageFirst, status = "DELETE" } });

        Assert.Contains("The code is already cancelled.", thenPage.Body, StringComparison.Ordinal);
        Assert.Contains("The code is cancelled.", page.Body, StringComparison.Ordinal);
        thenApi.AssertError(HttpStatusCode.BadRequest, "payment_code_cancelled", "online_to_offline_info.payment_code");
        Assert.Equal(2, await _gateway.CountAsync(
            "SELECT count(*) FROM payment_codes WHERE code IN (@a, @b) AND status = 'CANCELLED'", ("a", byApiFirst), ("b", byPageFirst)));
        // The merchant's own cancel is recorded by its Request-Id; the operator's, in the audit trail.
        Assert.Equal(0, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'payment_code.cancel' AND target = @c", ("c", byApiFirst)));
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'payment_code.cancel' AND target = @c", ("c", byPageFirst)));
    }

    private async Task<BackOfficeHttp> SignedInAdminAsync()
    {
        var (email, password) = await BackOfficeAccounts.SandboxAdminAsync(_gateway);
        var client = new BackOfficeHttp(_gateway);
        Assert.Equal(HttpStatusCode.Redirect, (await client.SignInAsync(email, password)).Status);
        return client;
    }
}
