using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Tunai.Gateway.Health;

/// <summary>The database answers and has every migration this build carries (an older schema is not ready).</summary>
internal sealed class DatabaseHealthCheck(Database database) : IHealthCheck
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Configuration.StorageProvider, long> Latest = new();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Outages.AreUnhealthy(async () =>
        {
            await using var connection = await database.OpenAsync(ct);
            var applied = await connection.ExecuteScalarAsync<long?>(
                new CommandDefinition("SELECT MAX(version) FROM schema_migrations", cancellationToken: ct));
            var expected = Latest.GetOrAdd(database.Provider, Migrator.LatestVersion);
            return applied >= expected
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"schema at migration {applied?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, this build needs {expected}");
        });
}

internal static class Outages
{
    /// <summary>
    /// A database that cannot be used makes the check unhealthy with the reason, not throw: every /readyz during an
    /// outage would otherwise log the exception with its stack trace.
    /// </summary>
    public static async Task<HealthCheckResult> AreUnhealthy(Func<Task<HealthCheckResult>> check)
    {
        try
        {
            return await check();
        }
        catch (Exception e) when (DatabaseOutage.Reason(e) is { } reason)
        {
            return HealthCheckResult.Unhealthy($"{reason} ({e.Message})");
        }
    }
}

/// <summary>
/// Every background service (the notification worker among them) is still running, and the gateway is not
/// shutting down: a draining instance leaves the load balancer's pool before it stops listening.
/// </summary>
internal sealed class WorkersHealthCheck(IEnumerable<IHostedService> hosted, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("shutting down"));
        }
        var stopped = hosted.OfType<BackgroundService>()
            .Where(s => s.ExecuteTask is { IsCompleted: true })
            .Select(s => s.GetType().Name)
            .ToList();
        return Task.FromResult(stopped.Count == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"stopped: {string.Join(", ", stopped)}"));
    }
}

/// <summary>No notification has waited past its time for longer than <see cref="HealthOptions.MaxOutboxDelay"/>.</summary>
internal sealed class OutboxHealthCheck(Database database, TimeProvider time, IOptions<HealthOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Outages.AreUnhealthy(async () =>
        {
            var limit = time.GetUtcNow() - options.Value.MaxOutboxDelay;
            await using var connection = await database.OpenAsync(ct);
            // Uses the notifications_due index (status, next_attempt_at): one index probe, however long the outbox.
            var oldestDue = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                "SELECT MIN(next_attempt_at) FROM notifications WHERE status = 'PENDING'", cancellationToken: ct));
            return oldestDue is { } due && due < limit.ToUnixTimeMilliseconds()
                ? HealthCheckResult.Unhealthy($"a notification has been due since {DateTimeOffset.FromUnixTimeMilliseconds(due):O}")
                : HealthCheckResult.Healthy();
        });
}
