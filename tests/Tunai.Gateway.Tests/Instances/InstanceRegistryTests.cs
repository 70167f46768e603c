using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Instances;

/// <summary>
/// The instance registry on each database: a gateway registers itself, an instance whose heartbeat has stopped is
/// declared dead and the notification leases it held are given to the live ones at once, not when each lease runs out.
/// </summary>
public sealed class InstanceRegistryTests
{
    private static readonly string[] FastHeartbeat = ["Tunai:Instances:HeartbeatInterval=00:00:00.200", "Tunai:Instances:DeadAfter=00:00:01"];

    [Fact]
    public async Task ARunningGatewayIsRegisteredAndRenewsItsHeartbeat()
    {
        await using var gateway = await GatewayHost.StartAsync(null, FastHeartbeat);

        var first = await gateway.RowAsync("SELECT heartbeat_at FROM gateway_instances");
        await Eventually.WaitAsync(async () => (long)(await gateway.RowAsync("SELECT heartbeat_at FROM gateway_instances"))["heartbeat_at"]!,
            at => at > (long)first["heartbeat_at"]!, "a renewed heartbeat");
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM gateway_instances"));
    }

    /// <summary>
    /// A paid code whose notification (its merchant had no URL yet, so its first attempt failed) is due now but leased
    /// for an hour to <paramref name="owner"/>, an instance registered with <paramref name="heartbeatAt"/> (SQL); then
    /// the merchant gets a URL. Only a takeover can now free the row: the business clock does not move.
    /// </summary>
    private static async Task LeaseANotificationToAsync(GatewayHost gateway, MerchantEndpoint endpoint, string owner, string heartbeatAt)
    {
        var merchant = await gateway.CreateMerchantAsync(new { name = "Leased", client_id = endpoint.ClientId, secret_key = endpoint.SecretKey });
        var store = await TestStore.CreateAsync(gateway);
        var (code, _) = await merchant.CreateCodeAsync();
        await store.PayAsync(code, 150000);
        await Eventually.WaitAsync(() => gateway.CountAsync("SELECT count(*) FROM notifications WHERE attempts = 1 AND lease_owner IS NULL"),
            n => n == 1, "the first attempt recorded");
        var now = gateway.Time.GetUtcNow().ToUnixTimeMilliseconds();
        await gateway.ExecuteAsync($"INSERT INTO gateway_instances (id, host, process_id, started_at, heartbeat_at) VALUES ($owner, 'elsewhere', 1, 0, {heartbeatAt})",
            ("$owner", owner));
        await gateway.ExecuteAsync("UPDATE notifications SET lease_owner = $owner, lease_until = $until, next_attempt_at = $now",
            ("$owner", owner), ("$until", now + 3_600_000), ("$now", now));
        using var patch = await gateway.Admin.PatchAsync($"/admin/v1/merchants/{merchant.ClientId}",
            new StringContent($"{{\"notification_url\":\"{endpoint.NotificationUrl}\"}}", System.Text.Encoding.UTF8, "application/json"));
        Assert.True(patch.IsSuccessStatusCode);
    }

    [Fact]
    public async Task ADeadInstancesNotificationIsDeliveredAtOnceInsteadOfWhenItsLeaseRunsOut()
    {
        await using var gateway = await GatewayHost.StartAsync(null, FastHeartbeat);
        await using var endpoint = await MerchantEndpoint.StartAsync();
        endpoint.Handler = _ => MerchantReply.Ok();

        // Its last heartbeat was at the epoch.
        await LeaseANotificationToAsync(gateway, endpoint, "ghost", "0");

        await Eventually.WaitAsync(() => gateway.CountAsync("SELECT count(*) FROM notifications WHERE status = 'DELIVERED'"), n => n == 1, "delivered");
        Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM gateway_instances WHERE id = 'ghost'"));
        Assert.True(Assert.Single(endpoint.CallsTo(MerchantEndpoint.NotificationPath)).SignatureValid);
    }

    [Fact]
    public async Task ALiveInstancesLeaseIsNotTakenOver()
    {
        await using var gateway = await GatewayHost.StartAsync(null, FastHeartbeat);
        await using var endpoint = await MerchantEndpoint.StartAsync();
        endpoint.Handler = _ => MerchantReply.Ok();

        // Its heartbeat is an hour ahead of this gateway's, so it is alive however slowly this machine runs the test.
        await LeaseANotificationToAsync(gateway, endpoint, "other", "(SELECT max(heartbeat_at) + 3600000 FROM gateway_instances)");

        // Five rounds of the registry (each renews this gateway's heartbeat, then looks for the dead): the other
        // instance's lease stays its own.
        var seen = (long)(await gateway.RowAsync("SELECT heartbeat_at FROM gateway_instances WHERE id <> 'other'"))["heartbeat_at"]!;
        for (var round = 0; round < 5; round++)
        {
            seen = await Eventually.WaitAsync(async () => (long)(await gateway.RowAsync("SELECT heartbeat_at FROM gateway_instances WHERE id <> 'other'"))["heartbeat_at"]!,
                at => at > seen, "the next heartbeat");
        }
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM notifications WHERE lease_owner = 'other'"));
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM gateway_instances WHERE id = 'other'"));
        Assert.Empty(endpoint.CallsTo(MerchantEndpoint.NotificationPath));
    }
}
