using System.Globalization;
using Dapper;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tunai.Gateway.Configuration;
using Tunai.Gateway.Storage;

namespace Tunai.Gateway.BackOffice;

/// <summary>
/// The sandbox's test clock: the gateway's <see cref="TimeProvider"/> is this wrapper, which adds an offset to
/// the time of the clock underneath (the system's, or a test's fake). Codes expire and notification retries fall
/// due as if that much time had passed. The offset is kept in the database (<c>gateway_settings</c>) and read
/// again every second, so every instance on one database agrees; outside sandbox mode it is never read and
/// stays zero. Timestamps that other parties compare with their own clocks (signatures) and session lifetimes
/// use <see cref="Wall"/> instead, so moving the sandbox forward does not break a merchant's signed requests.
/// </summary>
public sealed class SandboxClock(TimeProvider wall) : TimeProvider
{
    public const string SettingKey = "sandbox_clock_offset_ms";

    private long _offsetMs;

    /// <summary>The clock underneath, without the offset.</summary>
    public TimeProvider Wall => wall;

    public TimeSpan Offset => TimeSpan.FromMilliseconds(Volatile.Read(ref _offsetMs));

    public override DateTimeOffset GetUtcNow() => wall.GetUtcNow().AddMilliseconds(Volatile.Read(ref _offsetMs));

    public override long GetTimestamp() => wall.GetTimestamp();

    public override long TimestampFrequency => wall.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => wall.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        wall.CreateTimer(callback, state, dueTime, period);

    internal void Apply(long offsetMs) => Volatile.Write(ref _offsetMs, offsetMs);

    public static async Task<long> ReadAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction? tx = null) =>
        await c.QuerySingleOrDefaultAsync<string?>("SELECT value FROM gateway_settings WHERE key = @key", new { key = SettingKey }, tx)
            is { } text && long.TryParse(text, CultureInfo.InvariantCulture, out var ms) ? ms : 0;

    /// <summary>
    /// Sets the offset in the caller's unit (with its audit entry) and applies it on this instance once committed;
    /// the others read it within a second. Returns the offset before.
    /// </summary>
    public async Task<long> SetAsync(WriteUnit unit, long offsetMs)
    {
        var before = await ReadAsync(unit.Connection, unit.Transaction);
        await unit.Connection.ExecuteAsync(
            "INSERT INTO gateway_settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            new { key = SettingKey, value = offsetMs.ToString(CultureInfo.InvariantCulture) }, unit.Transaction);
        unit.AfterCommit(() => Apply(offsetMs));
        return before;
    }
}

/// <summary>Reads the test clock's offset every second (sandbox mode only), so instances agree.</summary>
public sealed class SandboxClockRefresher(SandboxClock clock, Database database, TunaiOptions options, ILogger<SandboxClockRefresher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.IsSandbox)
        {
            // Nothing to read outside sandbox mode, but a worker that ended would read as a stopped one to /readyz.
            try
            {
                await Task.Delay(Timeout.Infinite, stoppingToken);
            }
            catch (OperationCanceledException)
            {
            }
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var c = await database.OpenAsync(stoppingToken);
                clock.Apply(await SandboxClock.ReadAsync(c));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed read keeps the last offset; the next one may succeed.
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.LogWarning(e, "Could not read the sandbox test clock");
            }
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

public static class SandboxClockSetup
{
    /// <summary>
    /// Wraps whatever <see cref="TimeProvider"/> is registered (the system's, or a test's fake) in the test clock.
    /// Called after every other registration, so it wraps the last one.
    /// </summary>
    public static IServiceCollection AddSandboxClock(this IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(TimeProvider));
        services.RemoveAll<TimeProvider>();
        services.AddSingleton(sp => new SandboxClock(registered switch
        {
            { ImplementationInstance: TimeProvider instance } => instance,
            { ImplementationFactory: { } factory } => (TimeProvider)factory(sp),
            _ => TimeProvider.System,
        }));
        services.AddSingleton<TimeProvider>(sp => sp.GetRequiredService<SandboxClock>());
        services.AddHostedService<SandboxClockRefresher>();
        return services;
    }

    /// <summary>The clock without the sandbox's offset: for timestamps other parties check against their own clocks.</summary>
    public static TimeProvider WallClock(this TimeProvider time) => time is SandboxClock sandbox ? sandbox.Wall : time;
}
