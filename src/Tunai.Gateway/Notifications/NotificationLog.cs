namespace Tunai.Gateway.Notifications;

/// <summary>A notification as its delivery log shows it: the admin API's and the back office's alike.</summary>
public sealed record NotificationRow
{
    public long Id { get; init; }
    public required string NotificationId { get; init; }
    public required string ClientId { get; init; }
    public required string PaymentPublicId { get; init; }
    public required string Code { get; init; }
    public required string Event { get; init; }
    public required string RequestId { get; init; }
    public required string Status { get; init; }
    public long Attempts { get; init; }
    public long MaxAttempts { get; init; }
    public long NextAttemptAt { get; init; }
    public long? LastStatus { get; init; }
    public string? LastError { get; init; }
    public long CreatedAt { get; init; }
    public long? DeliveredAt { get; init; }
    /// <summary>The body as stored: the Alfa O2O form (what a merchant speaking SNAP is sent: <see cref="NotificationAttempt.BodyAsync"/>).</summary>
    public required byte[] Body { get; init; }

    public long MerchantId { get; init; }

    /// <summary>The payment's row id (<c>notifications.payment_id</c>).</summary>
    public long PaymentRowId { get; init; }
}

public static class NotificationLog
{
    /// <summary>The delivery log's rows; a caller adds its WHERE on <c>n</c> (notifications), <c>m</c> (merchants) and <c>y</c> (payments).</summary>
    public const string Select =
        """
        SELECT n.id, n.notification_id, m.client_id, y.payment_id AS payment_public_id, y.code, n.event, n.request_id, n.status,
               n.attempts, n.max_attempts, n.next_attempt_at, n.last_status, n.last_error, n.created_at, n.delivered_at, n.body,
               n.merchant_id, n.payment_id AS payment_row_id
        FROM notifications n JOIN merchants m ON m.id = n.merchant_id JOIN payments y ON y.id = n.payment_id
        """;
}
