using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Clock;

namespace Tunai.Gateway.Tests.BackOffice;

/// <summary>The sandbox's test clock moves within bounds, says why it does not, and can always be reset.</summary>
public sealed class SandboxClockBoundsTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await GatewayHost.StartAsync();

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonNode Body)> MoveAsync(object body)
    {
        using var response = await _gateway.Admin.PutAsJsonAsync("/admin/v1/sandbox/clock", body);
        return (response.StatusCode, GatewayHost.Json(await response.Content.ReadAsStringAsync()));
    }

    private async Task<long> OffsetAsync() =>
        (long)GatewayHost.Json(await _gateway.Admin.GetStringAsync("/admin/v1/sandbox/clock"))["offset_ms"]!;

    [Fact]
    public async Task TheClockMovesAtMostFiveYearsAheadAndNeverBeforeTheNewestEvent()
    {
        var merchant = await _gateway.CreateMerchantAsync();

        var far = await MoveAsync(new { moment = "9999-12-31T00:00:00Z" });
        Assert.Equal(HttpStatusCode.BadRequest, far.Status);
        Assert.Contains("5 years", (string)far.Body["error"]!["message"]!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await MoveAsync(new { forward_minutes = 6 * 366 * 24 * 60 })).Status);
        Assert.Equal(0, await OffsetAsync());

        // A day ahead, a code is made then; back to the real time, the clock may not go to before that code.
        Assert.Equal(HttpStatusCode.OK, (await MoveAsync(new { forward_minutes = 24 * 60 })).Status);
        await merchant.CreateCodeAsync();
        using (var reset = await _gateway.Admin.DeleteAsync("/admin/v1/sandbox/clock"))
        {
            Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        }
        Assert.Equal(0, await OffsetAsync());
        var early = await MoveAsync(new { moment = _gateway.Time.GetUtcNow().AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) });
        Assert.Equal(HttpStatusCode.BadRequest, early.Status);
        Assert.Contains("newest stored event", (string)early.Body["error"]!["message"]!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await MoveAsync(new { forward_minutes = 2 * 24 * 60 })).Status);
        Assert.Equal(2, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'sandbox.clock.forward'"));
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'sandbox.clock.reset'"));
    }

    [Fact]
    public async Task TheBackOfficeRefusesAMoveTooFarWithAMessageAndTheGatewayKeepsWorking()
    {
        var merchant = await _gateway.CreateMerchantAsync();
        using var client = new BackOfficeHttp(_gateway);
        Assert.Equal(HttpStatusCode.Redirect, (await client.SignInAsync(await BackOfficeAccounts.AddAsync(_gateway, Roles.Admin), BackOfficeAccounts.Password)).Status);
        await client.GetAsync("/backoffice/sandbox/clock");

        var refused = await client.PostAsync("/backoffice/sandbox/clock", "to-moment", [new("Moment", "9999-12-31T00:00:00Z")]);

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("5 years", refused.Body, StringComparison.Ordinal);
        Assert.Equal(0, await OffsetAsync());
        Assert.Equal(HttpStatusCode.OK, (await merchant.CreateAsync(TestMerchant.ValidCreate())).Status);
        using var ready = await _gateway.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    /// <summary>An older version let 9999-12-31 be stored: it is held at the bound, and a reset puts it right.</summary>
    [Fact]
    public async Task AnOffsetStoredBeyondTheBoundIsHeldThereAndCanBeReset()
    {
        var merchant = await _gateway.CreateMerchantAsync();
        var huge = (long)(DateTimeOffset.Parse("9999-12-31T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture) - _gateway.Time.GetUtcNow()).TotalMilliseconds;
        await _gateway.ExecuteAsync($"INSERT INTO gateway_settings (key, value) VALUES ('{SandboxClock.SettingKey}', $v) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            ("$v", huge.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var bound = (long)SandboxClock.MaxAhead.TotalMilliseconds;
        await Eventually.WaitAsync(OffsetAsync, offset => offset == bound, "the stored offset, held at the bound", TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.OK, (await merchant.CreateAsync(TestMerchant.ValidCreate())).Status);
        using (var ready = await _gateway.Http.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }
        using var client = new BackOfficeHttp(_gateway);
        Assert.Equal(HttpStatusCode.Redirect, (await client.SignInAsync(await BackOfficeAccounts.AddAsync(_gateway, Roles.Admin), BackOfficeAccounts.Password)).Status);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/backoffice/sandbox/clock")).Status);
        await client.PostAsync("/backoffice/sandbox/clock", "reset");
        Assert.Equal(0, await OffsetAsync());
        Assert.Equal("0", (string)(await _gateway.RowAsync($"SELECT value FROM gateway_settings WHERE key = '{SandboxClock.SettingKey}'"))["value"]!);
    }
}
