using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Tunai.Gateway.Storage;

/// <summary>
/// What Storage adds to OpenTelemetry: its own meters (the SQLite writer's group sizes and unit durations, PostgreSQL's
/// COMMITs) and Npgsql's instrumentation, spans and metrics of the statements sent to PostgreSQL.
/// </summary>
public static class StorageTelemetry
{
    /// <summary>The meter of <see cref="Database"/> and of SQLite's writer.</summary>
    public const string MeterName = "Tunai.Gateway.Storage";

    public static TracerProviderBuilder AddStorageInstrumentation(this TracerProviderBuilder tracing) => tracing.AddNpgsql();

    public static MeterProviderBuilder AddStorageInstrumentation(this MeterProviderBuilder metrics) =>
        metrics.AddMeter(MeterName).AddNpgsqlInstrumentation();
}
