using Tunai.Gateway.Notifications;
using Tunai.Gateway.PaymentCodes;

namespace Tunai.Gateway.BackOffice;

public sealed record CodeRow
{
    public long Id { get; init; }
    public required string Code { get; init; }
    public required string ClientId { get; init; }
    public required string MerchantName { get; init; }
    public required string InvoiceNumber { get; init; }
    public long Amount { get; init; }
    public required string Status { get; init; }
    public long ExpiresAt { get; init; }
    public required string CustomerName { get; init; }
    public long CreatedAt { get; init; }

    /// <summary>The status as a person reads it at <paramref name="nowMs"/>: an active code past its expiry is EXPIRED.</summary>
    public string StatusAt(long nowMs) => CodeStatus.At(Status, ExpiresAt, nowMs);
}

public sealed record StoreEventRow
{
    public long Id { get; init; }
    public required string Kind { get; init; }
    public string? TrxId { get; init; }
    public string? AgentId { get; init; }
    public string? StoreId { get; init; }
    public string? TerminalId { get; init; }
    public required string Outcome { get; init; }
    public string? Reason { get; init; }
    public string? PaymentId { get; init; }
    public long CreatedAt { get; init; }
    public required string AcquirerCode { get; init; }
}

public sealed record PaymentRow
{
    public long Id { get; init; }
    public required string PaymentId { get; init; }
    public required string TrxId { get; init; }
    public long Amount { get; init; }
    public required string Status { get; init; }
    public required string StoreId { get; init; }
    public string? TerminalId { get; init; }
    public long PaidAt { get; init; }
    public long? ReversedAt { get; init; }
}

public sealed record AttemptRow
{
    public long NotificationId { get; init; }
    public long Attempt { get; init; }
    public long AttemptedAt { get; init; }
    public string? Url { get; init; }
    public long? StatusCode { get; init; }
    public long LatencyMs { get; init; }
    public string? ResponseExcerpt { get; init; }
    public string? Error { get; init; }
    public string? RequestHeaders { get; init; }
}

public sealed record MerchantRow
{
    public long Id { get; init; }
    public required string ClientId { get; init; }
    public required string Name { get; init; }
    public required string CodePrefix { get; init; }
    public string? NotificationUrl { get; init; }
    public string? InquiryUrl { get; init; }

    /// <summary>As stored: one origin a line, or null for the notification URL's (see <see cref="Merchants.NotificationOrigins"/>).</summary>
    public string? NotificationOrigins { get; init; }
    public long CreatedAt { get; init; }
    public string NotificationProtocol { get; init; } = Merchants.SnapSettings.AlfaO2O;
    public string? SnapTokenUrl { get; init; }
    public string? SnapNotificationUrl { get; init; }
    public string? SnapInquiryUrl { get; init; }
    public string SnapSignatureToken { get; init; } = Merchants.SnapSettings.AccessToken;
    public string? SnapPublicKey { get; init; }
}

public sealed record MerchantBacklog
{
    public required string ClientId { get; init; }
    public required string Name { get; init; }
    public long Pending { get; init; }
    public long Failed { get; init; }
    public long? OldestPendingAt { get; init; }
}

public sealed record Overview(long CodesCreated, long Payments, long PaymentsSum, long Reversals, double? DeliveryLagMs,
    IReadOnlyList<MerchantBacklog> Backlog);

/// <summary>
/// What the back office reads. Every query takes the actor's merchant scope (<see cref="Actor.Scope"/>) and
/// applies it in its SQL, so a merchant user can reach nothing of another merchant whatever it types in a URL.
/// </summary>
public static class BackOfficeQueries
{
    private const string CodeSelect =
        """
        SELECT p.id, p.code, m.client_id, m.name AS merchant_name, p.invoice_number, p.amount, p.status, p.expires_at,
               p.customer_name, p.created_at
        FROM payment_codes p JOIN merchants m ON m.id = p.merchant_id
        """;

    /// <summary>A code, an invoice number, a payment id, a store trx_id, or a Request-Id (of the code's creation or a notification).</summary>
    public static async Task<IReadOnlyList<CodeRow>> SearchAsync(DbConnection c, string q, long? scope) =>
        (await c.QueryAsync<CodeRow>(
            $"""
            {CodeSelect}
            WHERE (@scope IS NULL OR p.merchant_id = @scope)
              AND (p.code = @q OR p.invoice_number = @q OR p.request_id = @q
                   OR p.id IN (SELECT payment_code_id FROM payments WHERE payment_id = @q OR trx_id = @q)
                   OR p.id IN (SELECT y.payment_code_id FROM notifications n JOIN payments y ON y.id = n.payment_id
                               WHERE n.request_id = @q OR n.notification_id = @q))
            ORDER BY p.id DESC LIMIT 50
            """, new { q = q.Trim(), scope })).ToList();

    public static async Task<IReadOnlyList<CodeRow>> RecentCodesAsync(DbConnection c, long? scope, int limit) =>
        (await c.QueryAsync<CodeRow>(
            $"{CodeSelect} WHERE (@scope IS NULL OR p.merchant_id = @scope) ORDER BY p.id DESC LIMIT @limit", new { scope, limit })).ToList();

    /// <summary>The code's latest life (its live one when it has one); its earlier lives are found by search.</summary>
    public static Task<PaymentCode?> FindCodeAsync(DbConnection c, string code, long? scope) =>
        c.QuerySingleOrDefaultAsync<PaymentCode>(
            $"SELECT {PaymentCodeStore.Columns} FROM payment_codes WHERE code = @code AND (@scope IS NULL OR merchant_id = @scope) ORDER BY life DESC LIMIT 1",
            new { code, scope });

    public static async Task<IReadOnlyList<StoreEventRow>> StoreEventsAsync(DbConnection c, string code) =>
        (await c.QueryAsync<StoreEventRow>(
            """
            SELECT e.id, e.kind, e.trx_id, e.agent_id, e.store_id, e.terminal_id, e.outcome, e.reason, e.payment_id, e.created_at,
                   a.code AS acquirer_code
            FROM store_events e JOIN acquirers a ON a.id = e.acquirer_id WHERE e.code = @code ORDER BY e.id
            """, new { code })).ToList();

    public static async Task<IReadOnlyList<PaymentRow>> PaymentsAsync(DbConnection c, long codeId) =>
        (await c.QueryAsync<PaymentRow>(
            """
            SELECT id, payment_id, trx_id, amount, status, store_id, terminal_id, paid_at, reversed_at
            FROM payments WHERE payment_code_id = @codeId ORDER BY id
            """, new { codeId })).ToList();

    public static async Task<IReadOnlyList<NotificationRow>> NotificationsOfCodeAsync(DbConnection c, long codeId) =>
        (await c.QueryAsync<NotificationRow>($"{NotificationLog.Select} WHERE y.payment_code_id = @codeId ORDER BY n.id", new { codeId })).ToList();

    public static async Task<ILookup<long, AttemptRow>> AttemptsAsync(DbConnection c, IEnumerable<long> notificationIds)
    {
        var ids = notificationIds.ToArray();
        if (ids.Length == 0)
        {
            return Array.Empty<AttemptRow>().ToLookup(a => a.NotificationId);
        }
        var rows = new List<AttemptRow>();
        foreach (var id in ids)
        {
            rows.AddRange(await c.QueryAsync<AttemptRow>(
                """
                SELECT notification_id, attempt, attempted_at, url, status_code, latency_ms, response_excerpt, error, request_headers
                FROM notification_attempts WHERE notification_id = @id ORDER BY attempt
                """, new { id }));
        }
        return rows.ToLookup(a => a.NotificationId);
    }

    public sealed record NotificationFilter(long? Scope, string? ClientId, string? Status, long? Since, int Limit)
    {
        public static readonly string[] Statuses = ["PENDING", "DELIVERED", "FAILED"];

        /// <summary>
        /// The notifications page's filter from its query (the page and its CSV file alike): a merchant user's own
        /// merchant whatever it names, an unknown status as none, <paramref name="since"/> as a UTC timestamp or nothing.
        /// </summary>
        public static NotificationFilter For(Actor me, string? merchant, string? status, string? since, int limit) =>
            new(me.Scope, me.IsStaff ? CsvExports.Clean(merchant) : null, Statuses.Contains(status) ? status : null, SinceMs(since), limit);

        public static long? SinceMs(string? since) =>
            Tunai.Signing.Signature.TryParseTimestamp(since, out var t) ? t.ToUnixTimeMilliseconds() : null;
    }

    public static async Task<IReadOnlyList<NotificationRow>> NotificationsAsync(DbConnection c, NotificationFilter f) =>
        (await c.QueryAsync<NotificationRow>(
            $"""
            {NotificationLog.Select}
            WHERE (@Scope IS NULL OR n.merchant_id = @Scope) AND (@ClientId IS NULL OR m.client_id = @ClientId)
              AND (@Status IS NULL OR n.status = @Status) AND (@Since IS NULL OR n.created_at >= @Since)
            ORDER BY n.id DESC LIMIT @Limit
            """, f)).ToList();

    /// <summary>Every acquirer's code, and the one asked for if it exists (else the first): the reconciliation list's choice.</summary>
    public static async Task<(IReadOnlyList<string> All, string? Chosen)> AcquirersAsync(DbConnection c, string? requested)
    {
        var all = (await c.QueryAsync<string>("SELECT code FROM acquirers ORDER BY code")).ToList();
        return (all, requested is not null && all.Contains(requested) ? requested : all.FirstOrDefault());
    }

    public static async Task<IReadOnlyList<MerchantRow>> MerchantsAsync(DbConnection c, long? scope) =>
        (await c.QueryAsync<MerchantRow>(
            """
            SELECT id, client_id, name, code_prefix, notification_url, inquiry_url, created_at FROM merchants
            WHERE (@scope IS NULL OR id = @scope) ORDER BY name, id
            """, new { scope })).ToList();

    public static Task<MerchantRow?> MerchantAsync(DbConnection c, string clientId, long? scope) =>
        c.QuerySingleOrDefaultAsync<MerchantRow>(
            """
            SELECT id, client_id, name, code_prefix, notification_url, inquiry_url, notification_origins, created_at, notification_protocol,
                   snap_token_url, snap_notification_url, snap_inquiry_url, snap_signature_token, snap_public_key
            FROM merchants
            WHERE client_id = @clientId AND (@scope IS NULL OR id = @scope)
            """, new { clientId, scope });

    /// <summary>Today's figures (from <paramref name="since"/>) and the notification backlog per merchant.</summary>
    public static async Task<Overview> OverviewAsync(DbConnection c, long? scope, long since)
    {
        var p = new { scope, since };
        var codes = await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM payment_codes WHERE created_at >= @since AND (@scope IS NULL OR merchant_id = @scope)", p);
        var (count, sum) = await c.QuerySingleAsync<(long, long)>(
            "SELECT count(*), CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM payments WHERE paid_at >= @since AND (@scope IS NULL OR merchant_id = @scope)", p);
        var reversals = await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM payments WHERE reversed_at >= @since AND (@scope IS NULL OR merchant_id = @scope)", p);
        var lag = await c.ExecuteScalarAsync<double?>(
            """
            SELECT AVG(CAST(delivered_at - created_at AS DOUBLE PRECISION)) FROM notifications
            WHERE delivered_at >= @since AND (@scope IS NULL OR merchant_id = @scope)
            """, p);
        var backlog = await c.QueryAsync<MerchantBacklog>(
            """
            SELECT m.client_id, m.name,
                   SUM(CASE WHEN n.status = 'PENDING' THEN 1 ELSE 0 END) AS pending,
                   SUM(CASE WHEN n.status = 'FAILED' THEN 1 ELSE 0 END) AS failed,
                   MIN(CASE WHEN n.status = 'PENDING' THEN n.created_at END) AS oldest_pending_at
            FROM notifications n JOIN merchants m ON m.id = n.merchant_id
            WHERE n.status IN ('PENDING', 'FAILED') AND (@scope IS NULL OR n.merchant_id = @scope)
            GROUP BY m.client_id, m.name ORDER BY m.name
            """, p);
        return new Overview(codes, count, sum, reversals, lag, backlog.ToList());
    }
}
