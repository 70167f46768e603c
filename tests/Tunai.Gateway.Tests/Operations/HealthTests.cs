using System.Net;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Operations;

/// <summary>/healthz and /readyz over HTTP, unauthenticated, on a real gateway whose database the test changes.</summary>
public sealed class HealthTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await GatewayHost.StartAsync();

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        using var response = await _gateway.Http.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task LiveAndReadyWithoutCredentialsOnAStartedGateway()
    {
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync("/healthz"));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync("/readyz"));
    }

    [Fact]
    public async Task NotReadyOnASchemaOlderThanTheBuild()
    {
        await _gateway.ExecuteAsync("DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)");

        // Only the status: the reason (which migration is missing) is for the log, not for whoever can reach the port.
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), await GetAsync("/readyz"));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync("/healthz"));
    }

    [Fact]
    public async Task NotReadyWhileANotificationIsHeldPastItsTimeAndReadyOnceItIsDelivered()
    {
        var merchant = await _gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(_gateway);
        var (code, _) = await merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/readyz")).Status);

        // A lease held by an instance that no longer works on it, past the configured delay (5 minutes by default).
        var now = _gateway.Time.GetUtcNow();
        await _gateway.ExecuteAsync(
            "UPDATE notifications SET lease_owner = 'gone', lease_until = $until, next_attempt_at = $due",
            ("until", now.AddHours(1).ToUnixTimeMilliseconds()), ("due", now.AddMinutes(-6).ToUnixTimeMilliseconds()));
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), await GetAsync("/readyz"));

        // Due for less than the limit is only a busy outbox.
        await _gateway.ExecuteAsync("UPDATE notifications SET next_attempt_at = $due",
            ("due", now.AddMinutes(-4).ToUnixTimeMilliseconds()));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/readyz")).Status);

        await _gateway.ExecuteAsync("UPDATE notifications SET lease_owner = NULL, lease_until = NULL, status = 'DELIVERED', next_attempt_at = $due",
            ("due", now.AddDays(-1).ToUnixTimeMilliseconds()));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/readyz")).Status);
    }

    [Fact]
    public async Task TheOutboxDelayIsConfigurable()
    {
        await using var strict = await GatewayHost.StartAsync(null, "Tunai:Health:MaxOutboxDelay=00:01:00");
        var merchant = await strict.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(strict);
        var (code, _) = await merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);
        var now = strict.Time.GetUtcNow();
        await strict.ExecuteAsync(
            "UPDATE notifications SET lease_owner = 'gone', lease_until = $until, next_attempt_at = $due",
            ("until", now.AddHours(1).ToUnixTimeMilliseconds()), ("due", now.AddMinutes(-2).ToUnixTimeMilliseconds()));
        using var response = await strict.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }
}
