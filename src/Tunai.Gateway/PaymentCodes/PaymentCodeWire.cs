namespace Tunai.Gateway.PaymentCodes;

public sealed record OrderRef(string InvoiceNumber);

public sealed record CreatedCodeInfo(
    string PaymentCode,
    string HowToPayPage,
    string HowToPayApi,
    string CreatedDate,
    string ExpiredDate,
    string CreatedDateUtc,
    string ExpiredDateUtc);

/// <summary>The generate response, as the reference shows it; additional_info echoes the request's.</summary>
public sealed record CreateResponse(OrderRef Order, CreatedCodeInfo OnlineToOfflineInfo, JsonElement? AdditionalInfo);

public sealed record UpdatedCodeInfo(
    string PaymentCode,
    string CreatedDate,
    string ExpiredDate,
    string CreatedDateUtc,
    string ExpiredDateUtc);

public sealed record UpdateResponse(OrderRef Order, UpdatedCodeInfo OnlineToOfflineInfo);

public sealed record PaymentCodeListItem(
    string ClientId,
    string PaymentCode,
    string Kind,
    string InvoiceNumber,
    long Amount,
    string Status,
    bool ReusableStatus,
    string CustomerName,
    string? CustomerEmail,
    string? Info,
    string RequestId,
    string CreatedDateUtc,
    string ExpiredDateUtc,
    string? PaidDateUtc,
    string? CancelledDateUtc);

public sealed record PaymentCodeList(IReadOnlyList<PaymentCodeListItem> Data, string? NextCursor);
