using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Tunai.Gateway.Health;

/// <summary>Under <c>Tunai:Health</c>.</summary>
public sealed class HealthOptions
{
    public const string Section = "Tunai:Health";

    /// <summary>
    /// /readyz fails once a notification has been due for longer than this without being taken: the worker is
    /// alive but not draining the outbox (a retry waiting for its time is not stuck; one past its time is).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan MaxOutboxDelay { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// <c>/healthz</c>: the process answers (liveness, for a restart policy). <c>/readyz</c>: the database is
/// reachable and migrated, the background workers run, the outbox drains (readiness, for a load balancer).
/// Both are unauthenticated and say only Healthy or Unhealthy, never why: the reasons go to the log.
/// </summary>
public static class HealthEndpoints
{
    private const string Ready = "ready";

    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    public static IServiceCollection AddHealth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HealthOptions>().Bind(configuration.GetSection(HealthOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddHealthChecks()
            // A database that does not answer makes the gateway unready within CheckTimeout, not when the
            // connection attempt gives up; /healthz asks nothing of the database, so an outage never restarts the process.
            .AddCheck<DatabaseHealthCheck>("database", tags: [Ready], timeout: CheckTimeout)
            .AddCheck<WorkersHealthCheck>("workers", tags: [Ready])
            .AddCheck<OutboxHealthCheck>("outbox", tags: [Ready], timeout: CheckTimeout);
        return services;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready) });
        return app;
    }
}
