using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Clock;

namespace Tunai.Cli.Tests;

/// <summary><c>tunai sandbox clock-reset</c> against a real gateway's database, whatever the clock was set to.</summary>
public sealed class SandboxCommandTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await GatewayHost.StartAsync();

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task TheTestClockIsResetFromTheCommandLine()
    {
        await _gateway.ExecuteAsync($"INSERT INTO gateway_settings (key, value) VALUES ('{SandboxClock.SettingKey}', '253370764800000') ON CONFLICT (key) DO UPDATE SET value = excluded.value");

        var run = await CliRun.RunAsync(_gateway.Folder, _gateway.Time, ["sandbox", "clock-reset", .. _gateway.DatabaseSettings.Select(s => "--" + s)]);

        Assert.True(run.ExitCode == Cli.Success, run.ToString());
        Assert.Equal("0", (string)(await _gateway.RowAsync($"SELECT value FROM gateway_settings WHERE key = '{SandboxClock.SettingKey}'"))["value"]!);
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'sandbox.clock.reset' AND role = 'Cli'"));
        await Eventually.WaitAsync(async () => (long)GatewayHost.Json(await _gateway.Admin.GetStringAsync("/admin/v1/sandbox/clock"))["offset_ms"]!,
            offset => offset == 0, "the gateway reading the reset", TimeSpan.FromSeconds(10));
    }
}
