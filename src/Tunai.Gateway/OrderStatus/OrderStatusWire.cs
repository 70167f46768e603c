namespace Tunai.Gateway.OrderStatus;

/// <summary>The provider's transaction statuses as the check-status API reports them.</summary>
public static class TransactionStatus
{
    public const string Pending = "PENDING";
    public const string Success = "SUCCESS";
    public const string Failed = "FAILED";
    public const string Expired = "EXPIRED";
}

public sealed record StatusOrder(string InvoiceNumber, long Amount);

public sealed record StatusTransaction(string Status, string Date, string OriginalRequestId);

public sealed record IdOnly(string Id);

public sealed record StatusCodeInfo(
    string PaymentCode,
    string CreatedDate,
    string ExpiredDate,
    string CreatedDateUtc,
    string ExpiredDateUtc);

public sealed record PaymentIdentifier(string Name, string Value);

/// <summary>The payment that decided the status; <c>payment_count</c> (successful payments) only for a reusable code.</summary>
public sealed record StatusPayment(string PaymentId, IReadOnlyList<PaymentIdentifier> Identifier, long? PaymentCount = null);

/// <summary>The answer to <c>GET /orders/v1/status/{invoice_number}</c>, shaped like the HTTP notification.</summary>
public sealed record OrderStatusResponse(
    StatusOrder Order,
    StatusTransaction Transaction,
    IdOnly Service,
    IdOnly Acquirer,
    IdOnly Channel,
    StatusCodeInfo OnlineToOfflineInfo,
    StatusPayment? OnlineToOfflinePayment);
