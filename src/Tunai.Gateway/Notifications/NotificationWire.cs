namespace Tunai.Gateway.Notifications;

public sealed record IdRef(string Id);

public sealed record NotificationOrder(string InvoiceNumber, long Amount);

public sealed record NotificationCodeInfo(string PaymentCode);

public sealed record Identifier(string Name, string Value);

public sealed record NotificationPayment(IReadOnlyList<Identifier> Identifier);

public sealed record NotificationTransaction(string Status, string Date, string OriginalRequestId);

/// <summary>The HTTP notification of an Alfa payment or its reversal, as wire notes section 4 shows it.</summary>
public sealed record PaymentNotification(
    IdRef Service,
    IdRef Acquirer,
    IdRef Channel,
    NotificationOrder Order,
    NotificationCodeInfo OnlineToOfflineInfo,
    NotificationPayment OnlineToOfflinePayment,
    NotificationTransaction Transaction,
    JsonElement AdditionalInfo);

public sealed record NotificationAttemptView(int Attempt, string AttemptedAt, string? Url, int? StatusCode, long LatencyMs, string? ResponseExcerpt, string? Error);

public sealed record NotificationView(
    string NotificationId,
    string ClientId,
    string PaymentId,
    string Event,
    string RequestId,
    string Status,
    int Attempts,
    int MaxAttempts,
    string? NextAttemptAt,
    int? LastStatus,
    string? LastError,
    string CreatedAt,
    string? DeliveredAt,
    JsonElement? Body,
    IReadOnlyList<NotificationAttemptView>? AttemptLog);

public sealed record NotificationList(IReadOnlyList<NotificationView> Data, string? NextCursor);

public sealed record RetryResult(int Queued);
