using Microsoft.Extensions.DependencyInjection.Extensions;
using Tunai.Gateway.Admin;
using Tunai.Gateway.PaymentCodes;
using Tunai.Gateway.Audit;

namespace Tunai.Gateway.Clock;

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

    /// <summary>
    /// How far ahead the clock may be: five years covers any expiry, retry schedule or settlement a test needs, and
    /// keeps every date the gateway computes from it (expiries, business days) far from DateTimeOffset's end.
    /// </summary>
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(5 * 365 + 2);

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

    /// <summary>
    /// An offset outside the bounds (stored by an older version, or by hand) is held at them, so the gateway keeps
    /// working, its pages render, and a reset stays possible: 9999-12-31 once made every page that showed the time,
    /// and /readyz, fail.
    /// </summary>
    internal void Apply(long offsetMs) => Volatile.Write(ref _offsetMs, Math.Clamp(offsetMs, 0, (long)MaxAhead.TotalMilliseconds));

    public static async Task<long> ReadAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction? tx = null) =>
        await c.QuerySingleOrDefaultAsync<string?>("SELECT value FROM gateway_settings WHERE key = @key", new { key = SettingKey }, tx)
            is { } text && long.TryParse(text, CultureInfo.InvariantCulture, out var ms) ? ms : 0;

    /// <summary>
    /// Moves the sandbox's time to <paramref name="moment"/>, or back to the real time when it is null (always
    /// allowed), in the caller's unit with its audit entry, and applies it on this instance once committed (the
    /// others read it within a second). A move goes forward only, at most <see cref="MaxAhead"/> beyond the real
    /// time, and never to before the newest event stored (a code, a payment's journal or a notification written at
    /// an earlier move's time): a payment would otherwise be older than its code. The back office, the admin API
    /// and <c>tunai sandbox clock-reset</c> all come here. Returns why the move is refused, or null.
    /// </summary>
    public async Task<string?> MoveAsync(WriteUnit unit, DateTimeOffset? moment, AuditActor actor, string how)
    {
        long offsetMs = 0;
        if (moment is { } to)
        {
            var real = wall.GetUtcNow();
            var latest = real + MaxAhead;
            if (to > latest)
            {
                return $"The test clock moves at most 5 years ahead of the real time: at most {WireDates.Utc(latest)}";
            }
            if (to < GetUtcNow())
            {
                return $"The test clock only moves forward (or is reset): it is {WireDates.Utc(GetUtcNow())}";
            }
            var newest = await unit.Connection.QuerySingleOrDefaultAsync<long?>(
                """
                SELECT MAX(t) FROM (
                    SELECT MAX(created_at) AS t FROM payment_codes
                    UNION ALL SELECT MAX(created_at) FROM journal_transactions
                    UNION ALL SELECT MAX(created_at) FROM notifications) newest
                """, transaction: unit.Transaction);
            if (newest is { } ms && to.ToUnixTimeMilliseconds() < ms)
            {
                return $"The test clock cannot move to before the newest stored event ({WireDates.Utc(DateTimeOffset.FromUnixTimeMilliseconds(ms))})";
            }
            offsetMs = (long)(to - real).TotalMilliseconds;
        }
        await StoreAsync(unit, offsetMs, actor, moment is null ? "reset" : how, wall.GetUtcNow().ToUnixTimeMilliseconds());
        unit.AfterCommit(() => Apply(offsetMs));
        return null;
    }

    /// <summary>
    /// Writes the offset and its audit entry. Static for <c>tunai sandbox clock-reset</c>, which has no running
    /// gateway: the gateways on the database read the new offset within a second.
    /// </summary>
    public static async Task StoreAsync(WriteUnit unit, long offsetMs, AuditActor actor, string how, long nowMs)
    {
        var before = await ReadAsync(unit.Connection, unit.Transaction);
        await unit.Connection.ExecuteAsync(
            "INSERT INTO gateway_settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            new { key = SettingKey, value = offsetMs.ToString(CultureInfo.InvariantCulture) }, unit.Transaction);
        await AuditTrail.WriteAsync(unit, actor, "sandbox.clock." + how, null,
            new { offsetMs = before }, new { offsetMs }, nowMs);
    }
}

/// <summary>
/// The test clock through the admin API (sandbox only): <c>GET</c> it, <c>PUT {"moment": ...}</c> or
/// <c>{"forward_minutes": n}</c> to move it, <c>DELETE</c> to reset it to the real time.
/// </summary>
public static class SandboxClockEndpoints
{
    public static IEndpointRouteBuilder MapSandboxClock(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/v1/sandbox/clock").RequireAdminToken();
        group.MapGet("", (SandboxClock clock, TunaiOptions options) => options.IsSandbox ? WireJson.Ok(View(clock)) : NotSandbox());
        group.MapPut("", Move);
        group.MapDelete("", async (SandboxClock clock, TunaiOptions options, Database database, HttpContext http) =>
            options.IsSandbox ? await ApplyAsync(clock, database, http, null, "reset") : NotSandbox());
        return app;
    }

    private static async Task<IResult> Move(HttpContext http, SandboxClock clock, TunaiOptions options, Database database)
    {
        if (!options.IsSandbox)
        {
            return NotSandbox();
        }
        return await RequestBody.WithFieldsAsync(http, options, async f =>
        {
            var text = f.Text("moment", 40);
            var minutes = f.Digits("forward_minutes", 7, min: 1);
            DateTimeOffset moment = default;
            if (f.Error is null && (text is null) == (minutes is null))
            {
                f.Fail<string>("moment", "give either moment (UTC, e.g. 2026-12-01T00:00:00Z) or forward_minutes");
            }
            else if (text is not null && !Tunai.Signing.Signature.TryParseTimestamp(text, out moment))
            {
                f.Fail<string>("moment", "moment must be a time like 2026-12-01T00:00:00Z");
            }
            if (f.Error is { } invalid)
            {
                return invalid;
            }
            if (minutes is { } m)
            {
                if (m > (long)SandboxClock.MaxAhead.TotalMinutes)
                {
                    return ApiError.Validation("forward_minutes", "The test clock moves at most 5 years ahead of the real time");
                }
                moment = clock.GetUtcNow().AddMinutes(m);
            }
            return await ApplyAsync(clock, database, http, moment, minutes is null ? "to_moment" : "forward");
        });
    }

    private static async Task<IResult> ApplyAsync(SandboxClock clock, Database database, HttpContext http, DateTimeOffset? moment, string how)
    {
        var refusal = await database.WriteAsync(async unit =>
        {
            var refused = await clock.MoveAsync(unit, moment, AuditActor.AdminToken(http), how);
            if (refused is null)
            {
                unit.Commit();
            }
            return refused;
        }, http.RequestAborted);
        return refusal is null ? WireJson.Ok(View(clock)) : ApiError.Validation("moment", refusal);
    }

    private static SandboxClockView View(SandboxClock clock) =>
        new(WireDates.Utc(clock.Wall.GetUtcNow()), WireDates.Utc(clock.GetUtcNow()), (long)clock.Offset.TotalMilliseconds);

    private static ApiError NotSandbox() => ApiError.NotFound("not_sandbox", "The test clock exists in sandbox mode only");
}

/// <summary>The test clock: the real time, the sandbox's time, and the offset between them in milliseconds.</summary>
public sealed record SandboxClockView(string RealTime, string SandboxTime, long OffsetMs);

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
        var reads = new Storage.Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), logger, "Reading the sandbox test clock");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var c = await database.OpenAsync(stoppingToken);
                clock.Apply(await SandboxClock.ReadAsync(c));
                reads.Succeeded();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed read keeps the last offset; the next one may succeed.
            catch (Exception e)
#pragma warning restore CA1031
            {
                reads.Failed(e);
            }
            try
            {
                await Task.Delay(reads.Pause, TimeProvider.System, stoppingToken);
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
