using Tunai.Gateway.Admin;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.PaymentCodes;
using Tunai.Signing;
using Tunai.Gateway.Audit;

namespace Tunai.Gateway.Notifications;

/// <summary>The back office's view of notifications: the delivery log and replays (which keep the Request-Id).</summary>
public static class NotificationEndpoints
{
    private static readonly string[] Statuses = ["PENDING", "DELIVERED", "FAILED"];

    public static IEndpointRouteBuilder MapNotifications(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/v1/notifications").RequireAdminToken();
        group.MapGet("", List);
        group.MapGet("/{id}", Get);
        group.MapPost("/{id}/retry", RetryOne);
        group.MapPost("/retry", RetryMany);
        return app;
    }

    private static async Task<IResult> List(HttpContext http, Database database,
        string? client_id, string? status, string? since, int? limit, string? cursor)
    {
        if (status is not null && !Statuses.Contains(status.ToUpperInvariant()))
        {
            return ApiError.Validation("status", "status must be PENDING, DELIVERED or FAILED");
        }
        if (limit is < 1 or > 500)
        {
            return ApiError.Validation("limit", "limit must be between 1 and 500");
        }
        if (ParseTime(since, "since", out var sinceMs) is { } badSince)
        {
            return badSince;
        }
        long? before = null;
        if (cursor is not null)
        {
            if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var b))
            {
                return ApiError.Validation("cursor", "cursor must be a next_cursor value from a previous page");
            }
            before = b;
        }
        var take = limit ?? 50;
        await using var c = await database.OpenAsync(http.RequestAborted);
        var rows = (await c.QueryAsync<NotificationRow>(
            $"""
            {NotificationLog.Select}
            WHERE (@client_id IS NULL OR m.client_id = @client_id)
              AND (@status IS NULL OR n.status = @status)
              AND (@sinceMs IS NULL OR n.created_at >= @sinceMs)
              AND (@before IS NULL OR n.id < @before)
            ORDER BY n.id DESC
            LIMIT @limit
            """, new { client_id, status = status?.ToUpperInvariant(), sinceMs, before, limit = take + 1 })).ToList();
        var page = rows.Take(take).Select(r => View(r, null)).ToList();
        var next = rows.Count > take ? rows[take - 1].Id.ToString(CultureInfo.InvariantCulture) : null;
        return WireJson.Ok(new NotificationList(page, next));
    }

    private static async Task<IResult> Get(string id, HttpContext http, Database database, MerchantCache merchants)
    {
        NotificationRow? row;
        IEnumerable<(long Attempt, long At, string? Url, long? Status, long Latency, string? Excerpt, string? Error)> attempts;
        // The connection goes back to the pool before the body is made, which opens one of its own.
        await using (var c = await database.OpenAsync(http.RequestAborted))
        {
            row = await c.QuerySingleOrDefaultAsync<NotificationRow>($"{NotificationLog.Select} WHERE n.notification_id = @id", new { id });
            if (row is null)
            {
                return NotFound(id);
            }
            attempts = await c.QueryAsync<(long Attempt, long At, string? Url, long? Status, long Latency, string? Excerpt, string? Error)>(
                """
                SELECT attempt, attempted_at, url, status_code, latency_ms, response_excerpt, error
                FROM notification_attempts WHERE notification_id = @id ORDER BY attempt
                """, new { id = row.Id });
        }
        var sent = await NotificationAttempt.BodyAsync(database, await merchants.FindByIdAsync(row.MerchantId, http.RequestAborted), row.PaymentRowId,
            row.Event, row.Body, http.RequestAborted);
        return WireJson.Ok(View(row with { Body = sent }, attempts.Select(a => new NotificationAttemptView(
            (int)a.Attempt, WireDates.Utc(DateTimeOffset.FromUnixTimeMilliseconds(a.At)), a.Url, (int?)a.Status, a.Latency, a.Excerpt, a.Error)).ToList()));
    }

    /// <summary>
    /// Sends one notification again now with its original Request-Id and body: once for a delivered or failed
    /// one; for a pending one, its next attempt is brought forward and the rest of its schedule kept.
    /// </summary>
    private static async Task<IResult> RetryOne(string id, HttpContext http, Database database, TimeProvider time, NotificationSignal signal)
    {
        var result = await database.WriteAsync<IResult>(async unit =>
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            switch (await ReplayOneAsync(unit, id, null, now))
            {
                case ReplayOutcome.NotFound:
                    return NotFound(id);
                case ReplayOutcome.InProgress:
                    return ApiError.Conflict("delivery_in_progress", "The notification is being delivered right now; try again in a moment");
            }
            await AuditTrail.WriteAsync(unit, AuditActor.AdminToken(http), "notification.replay", id, null, null, now);
            unit.Commit();
            return WireJson.Ok(new RetryResult(1), StatusCodes.Status202Accepted);
        }, http.RequestAborted);
        signal.Wake();
        return result;
    }

    public enum ReplayOutcome
    {
        Queued,
        NotFound,
        InProgress,
    }

    /// <summary>
    /// Queues one notification to be sent again now with its original Request-Id and body, in the caller's unit:
    /// once more for a delivered or failed one; for a pending one, its next attempt is brought forward and the
    /// rest of its schedule kept. <paramref name="merchantId"/>, when given, limits it to that merchant's
    /// notifications (another's is not found). The caller wakes the worker after the commit.
    /// </summary>
    public static async Task<ReplayOutcome> ReplayOneAsync(WriteUnit unit, string id, long? merchantId, long now)
    {
        var c = unit.Connection;
        var queued = await c.ExecuteAsync(
            """
            UPDATE notifications
            SET max_attempts = CASE WHEN status = 'PENDING' THEN max_attempts ELSE attempts + 1 END,
                status = 'PENDING', next_attempt_at = @now, lease_owner = NULL, lease_until = NULL
            WHERE notification_id = @id AND (@merchantId IS NULL OR merchant_id = @merchantId)
              AND (lease_until IS NULL OR lease_until <= @now)
            """, new { id, now, merchantId }, unit.Transaction);
        if (queued > 0)
        {
            return ReplayOutcome.Queued;
        }
        return await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM notifications WHERE notification_id = @id AND (@merchantId IS NULL OR merchant_id = @merchantId)",
            new { id, merchantId }, unit.Transaction) == 0 ? ReplayOutcome.NotFound : ReplayOutcome.InProgress;
    }

    /// <summary>The statuses whose notifications can be sent again all at once.</summary>
    public static readonly string[] ReplayableStatuses = ["FAILED", "DELIVERED", "PENDING"];

    /// <summary>
    /// Queues again, in the caller's unit, every notification of a merchant in a status created in a time range
    /// (the same rules as <see cref="ReplayOneAsync"/>), audited as <paramref name="auditAs"/> with the window asked
    /// for: the admin API's retry and the back office's "send matching again" alike. Returns how many, or null when
    /// <paramref name="status"/> is not one a replay may select (nothing is written then).
    /// </summary>
    public static async Task<int?> ReplayMatchingAsync(WriteUnit unit, long merchantId, string auditTarget, string status,
        string? since, long? sinceMs, string? until, long? untilMs, long now, AuditActor auditAs)
    {
        if (!ReplayableStatuses.Contains(status))
        {
            return null;
        }
        var queued = await ReplayManyAsync(unit, merchantId, status, sinceMs, untilMs, now);
        await AuditTrail.WriteAsync(unit, auditAs, "notification.replay_matching", auditTarget, null, new { status, since, until, queued }, now);
        return queued;
    }

    private static Task<int> ReplayManyAsync(WriteUnit unit, long merchantId, string status, long? sinceMs, long? untilMs, long now) =>
        unit.Connection.ExecuteAsync(
            """
            UPDATE notifications
            SET max_attempts = CASE WHEN status = 'PENDING' THEN max_attempts ELSE attempts + 1 END,
            status = 'PENDING', next_attempt_at = @now, lease_owner = NULL, lease_until = NULL
            WHERE merchant_id = @merchantId AND status = @status
              AND (@sinceMs IS NULL OR created_at >= @sinceMs) AND (@untilMs IS NULL OR created_at < @untilMs)
              AND (lease_until IS NULL OR lease_until <= @now)
            """, new { merchantId, status, sinceMs, untilMs, now }, unit.Transaction);

    /// <summary>Sends again every notification of a merchant in a status, created in a time range.</summary>
    private static Task<IResult> RetryMany(HttpContext http, Database database, TimeProvider time, TunaiOptions options, NotificationSignal signal) =>
        RequestBody.WithFieldsAsync(http, options, async f =>
        {
            var clientId = f.Text("client_id", 64, required: true);
            var status = f.Text("status", 16) ?? "FAILED";
            var since = f.Text("since", 40);
            var until = f.Text("until", 40);
            if (f.Error is { } invalid)
            {
                return invalid;
            }
            if (!ReplayableStatuses.Contains(status))
            {
                return ApiError.Validation("status", "status must be FAILED, DELIVERED or PENDING");
            }
            var badSince = ParseTime(since, "since", out var sinceMs);
            var badUntil = ParseTime(until, "until", out var untilMs);
            if ((badSince ?? badUntil) is { } badTime)
            {
                return badTime;
            }
            var result = await database.WriteAsync<IResult>(async unit =>
            {
                var c = unit.Connection;
                var merchant = await MerchantStore.FindAsync(c, clientId!, unit.Transaction);
                if (merchant is null)
                {
                    return ApiError.NotFound("merchant_not_found", $"No merchant has Client-Id {clientId}");
                }
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                var queued = await ReplayMatchingAsync(unit, merchant.Id, clientId!, status, since, sinceMs, until, untilMs, now, AuditActor.AdminToken(http));
                unit.Commit();
                return WireJson.Ok(new RetryResult(queued!.Value), StatusCodes.Status202Accepted);
            }, http.RequestAborted);
            signal.Wake();
            return result;
        });

    private static NotificationView View(NotificationRow r, IReadOnlyList<NotificationAttemptView>? attempts)
    {
        using var body = JsonDocument.Parse(r.Body);
        return new NotificationView(r.NotificationId, r.ClientId, r.PaymentPublicId, r.Event, r.RequestId, r.Status, (int)r.Attempts, (int)r.MaxAttempts,
            r.Status == "PENDING" ? WireDates.Utc(DateTimeOffset.FromUnixTimeMilliseconds(r.NextAttemptAt)) : null,
            (int?)r.LastStatus, r.LastError, WireDates.Utc(DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt)),
            r.DeliveredAt is { } d ? WireDates.Utc(DateTimeOffset.FromUnixTimeMilliseconds(d)) : null,
            attempts is null ? null : body.RootElement.Clone(), attempts);
    }

    private static ApiError? ParseTime(string? value, string field, out long? ms)
    {
        ms = null;
        if (value is null)
        {
            return null;
        }
        if (!Signature.TryParseTimestamp(value, out var t))
        {
            return ApiError.Validation(field, $"{field} must be ISO-8601 UTC, e.g. 2026-11-23T00:00:00Z");
        }
        ms = t.ToUnixTimeMilliseconds();
        return null;
    }

    private static ApiError NotFound(string id) => ApiError.NotFound("notification_not_found", $"No notification {id}");
}
