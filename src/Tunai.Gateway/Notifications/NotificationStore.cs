namespace Tunai.Gateway.Notifications;

public sealed record Notification
{
    public long Id { get; init; }
    public required string NotificationId { get; init; }
    public long MerchantId { get; init; }
    public long PaymentId { get; init; }
    public required string Event { get; init; }
    public required string RequestId { get; init; }
    public string? OverrideUrl { get; init; }
    public required byte[] Body { get; init; }
    public required string Status { get; init; }
    public int Attempts { get; init; }
    public int MaxAttempts { get; init; }
    public long NextAttemptAt { get; init; }
    public int? LastStatus { get; init; }
    public string? LastError { get; init; }
    public long CreatedAt { get; init; }
    public long? DeliveredAt { get; init; }
    public long? LeaseUntil { get; init; }

    /// <summary>The traceparent of the request that caused it, for the delivery span's link.</summary>
    public string? TraceParent { get; init; }
}

/// <summary>The outbox. Rows are written inside the payment's transaction and leased by one worker at a time.</summary>
public static class NotificationStore
{
    public const string Columns =
        """
        id, notification_id, merchant_id, payment_id, event, request_id, override_url, body, status, attempts,
        max_attempts, next_attempt_at, last_status, last_error, created_at, delivered_at, lease_until, trace_parent
        """;

    /// <summary>
    /// Inserts a new row leased to <paramref name="owner"/>, in the unit of the payment it tells of; only
    /// <see cref="Outbox"/> writes notifications. Where a unit runs alone its values are bound straight to a kept
    /// statement of the writer and the id is the row's rowid (<see cref="WriteUnit.InsertAsync{TArgs}"/>); through Dapper
    /// this insert had spent more of the writer's time building parameters than the database spent inserting the row.
    /// </summary>
    public static async Task<Notification> InsertAsync(WriteUnit unit, Notification row, string owner) =>
        row with { Id = await unit.InsertAsync(Insert, (row, owner)) };

    /// <summary><see cref="InsertAsync"/> as a write that follows the payment's (<paramref name="paymentWrite"/>), reading its new id; its own id is kept.</summary>
    public static int InsertTogether(WriteTogether writes, int paymentWrite, Notification row, string owner) =>
        writes.ThenKeepingId(paymentWrite, Insert.Bind((row, owner)), parentIdAs: "paymentId");

    private static readonly Statement<(Notification Row, string Owner)> Insert = new(
        """
        INSERT INTO notifications (notification_id, merchant_id, payment_id, event, request_id, override_url, body, status,
            attempts, max_attempts, next_attempt_at, created_at, lease_owner, lease_until, trace_parent)
        VALUES (@notificationId, @merchantId, @paymentId, @event, @requestId, @overrideUrl, @body, @status,
            0, @maxAttempts, @nextAttemptAt, @createdAt, @owner, @leaseUntil, @traceParent)
        """,
        ("notificationId", n => n.Row.NotificationId), ("merchantId", n => n.Row.MerchantId), ("paymentId", n => n.Row.PaymentId),
        ("event", n => n.Row.Event), ("requestId", n => n.Row.RequestId), ("overrideUrl", n => n.Row.OverrideUrl), ("body", n => n.Row.Body),
        ("status", n => n.Row.Status), ("maxAttempts", n => n.Row.MaxAttempts), ("nextAttemptAt", n => n.Row.NextAttemptAt),
        ("createdAt", n => n.Row.CreatedAt), ("owner", n => n.Owner), ("leaseUntil", n => n.Row.LeaseUntil), ("traceParent", n => n.Row.TraceParent));

    /// <summary>
    /// Leases up to <paramref name="limit"/> due rows to <paramref name="owner"/>, oldest first, at most
    /// <paramref name="perMerchant"/> of any one merchant and none of the <paramref name="busy"/> merchants (so one
    /// merchant's backlog cannot take every slot). A lease that runs out (its worker died) makes the row due
    /// again; where units run side by side, <see cref="Database.SkipLocked"/> keeps instances from waiting on each other.
    /// </summary>
    public static async Task<IReadOnlyList<Notification>> ClaimAsync(Database database, string owner, int limit, int perMerchant,
        IReadOnlyCollection<long> busy, long now, long leaseUntil, CancellationToken ct)
    {
        // Look before taking: where the database has one writer, an UPDATE takes its write lock even when it matches
        // nothing, and the worker polls often, so an idle poll must not make payments wait.
        await using (var reader = await database.OpenAsync(ct))
        {
            if (await reader.ExecuteScalarAsync<long>(
                $"""
                SELECT count(*) FROM (
                    SELECT 1 FROM notifications
                    WHERE status = 'PENDING' AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until <= @now)
                      AND {database.NotIn("merchant_id", "@busy")}
                    LIMIT 1) due
                """, new { now, busy = busy.ToArray() }) == 0)
            {
                return [];
            }
        }
        return await database.WriteAsync<IReadOnlyList<Notification>>(async unit =>
        {
            var rows = await unit.Connection.QueryAsync<Notification>(
                $"""
                UPDATE notifications SET lease_owner = @owner, lease_until = @leaseUntil
                WHERE id IN (
                    SELECT id FROM (
                        SELECT id, next_attempt_at,
                            ROW_NUMBER() OVER (PARTITION BY merchant_id ORDER BY next_attempt_at, id) AS place
                        FROM (
                            SELECT id, merchant_id, next_attempt_at FROM notifications
                            WHERE status = 'PENDING' AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until <= @now)
                              AND {database.NotIn("merchant_id", "@busy")}
                            ORDER BY next_attempt_at
                            LIMIT @window
                            {database.SkipLocked}) due) ranked
                    WHERE place <= @perMerchant
                    ORDER BY next_attempt_at
                    LIMIT @limit)
                RETURNING {Columns}
                """, new { owner, leaseUntil, now, limit, perMerchant, busy = busy.ToArray(), window = Math.Max(limit * 4, 256) }, unit.Transaction);
            unit.Commit();
            return rows.ToList();
        }, ct);
    }

    public static async Task ReleaseAsync(Database database, long id, string owner)
    {
        await database.WriteAsync(async unit =>
        {
            var released = await unit.Connection.ExecuteAsync(
                "UPDATE notifications SET lease_owner = NULL, lease_until = NULL WHERE id = @id AND lease_owner = @owner",
                new { id, owner }, unit.Transaction);
            unit.Commit();
            return released;
        });
    }

    /// <summary>Gives back every row <paramref name="owner"/> holds: its instance is stopping.</summary>
    public static Task<int> ReleaseAllAsync(Database database, string owner) =>
        database.WriteAsync(async unit =>
        {
            var released = await ReleaseLeasesOfAsync(unit, owner);
            unit.Commit();
            return released;
        });

    /// <summary>
    /// In the caller's unit, makes every row leased to <paramref name="owner"/> claimable at once (a stopping
    /// instance, or one known dead). Delivered and failed rows hold no lease, so this touches only pending ones.
    /// </summary>
    public static Task<int> ReleaseLeasesOfAsync(WriteUnit unit, string owner) =>
        unit.Connection.ExecuteAsync(
            "UPDATE notifications SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = @owner",
            new { owner }, unit.Transaction);

    public sealed record AttemptResult(string? Url, int? StatusCode, long LatencyMs, string? Excerpt, string? Error, bool Delivered, long? NextAttemptAt)
    {
        /// <summary>The headers the attempt sent, one "Name: value" per line; null when nothing was sent.</summary>
        public string? RequestHeaders { get; init; }
    }

    /// <summary>
    /// Records an attempt and its consequence, if this worker still holds the lease: the outcome is a conditional
    /// update, and the attempt's row is written together with it (<see cref="Database.TryWriteTogetherAsync"/>), only when
    /// it matched. Every delivered notification is one of these, so it costs one write: on the one writer beside the
    /// payments where a unit runs alone, bound straight to kept statements; where units run side by side, one round trip
    /// (it was three: the update, the insert and the COMMIT). The CASTs give a NULL its type where the database types
    /// parameters and would otherwise meet it bare.
    /// </summary>
    public static async Task RecordAttemptAsync(Database database, Notification n, string owner, AttemptResult r, long now)
    {
        var attempt = new Attempt(n, owner, r, now);
        var writes = new WriteTogether(Outcome.Bind(attempt));
        writes.Then(0, AttemptRow.Bind(attempt));
        // Nothing written (the lease ran out and another worker took the row) leaves the row to that worker.
        _ = await database.TryWriteTogetherAsync(writes);
    }

    private sealed record Attempt(Notification Notification, string Owner, AttemptResult Result, long Now);

    private static readonly Statement<Attempt> Outcome = new(
        """
        UPDATE notifications
        SET attempts = attempts + 1,
            status = CASE WHEN @delivered THEN 'DELIVERED' WHEN CAST(@nextAttemptAt AS BIGINT) IS NULL THEN 'FAILED' ELSE 'PENDING' END,
            next_attempt_at = COALESCE(@nextAttemptAt, next_attempt_at),
            delivered_at = CASE WHEN @delivered THEN @now ELSE delivered_at END,
            last_status = @statusCode, last_error = @error, lease_owner = NULL, lease_until = NULL
        WHERE id = @id AND lease_owner = @owner
        """,
        ("delivered", a => a.Result.Delivered), ("nextAttemptAt", a => a.Result.NextAttemptAt), ("statusCode", a => a.Result.StatusCode),
        ("error", a => a.Result.Error), ("now", a => a.Now), ("id", a => a.Notification.Id), ("owner", a => a.Owner));

    private static readonly Statement<Attempt> AttemptRow = new(
        """
        INSERT INTO notification_attempts (notification_id, attempt, attempted_at, url, status_code, latency_ms, response_excerpt, error, request_headers)
        VALUES (@id, @attempt, @now, @url, CAST(@statusCode AS BIGINT), @latencyMs, @excerpt, @error, @requestHeaders)
        """,
        ("id", a => a.Notification.Id), ("attempt", a => a.Notification.Attempts + 1), ("now", a => a.Now), ("url", a => a.Result.Url),
        ("statusCode", a => a.Result.StatusCode), ("latencyMs", a => a.Result.LatencyMs), ("excerpt", a => a.Result.Excerpt),
        ("error", a => a.Result.Error), ("requestHeaders", a => a.Result.RequestHeaders));
}
