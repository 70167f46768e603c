namespace Tunai.Gateway.Store;

public sealed record StoreStatus(string Status, string? Message = null);

public sealed record StoreOrder(string InvoiceNumber, long Amount);

/// <summary>The code and the merchant's lines for the till: info (or info1), info2 and info3.</summary>
public sealed record StoreCodeInfo(string PaymentCode, string? Info = null, string? Info2 = null, string? Info3 = null);

public sealed record StoreCustomer(string Name);

public sealed record StoreAdditionalInfo(JsonElement? InsuranceInfo);

public sealed record Receipt(string FooterMessage);

public sealed record AlfaInfo(Receipt Receipt);

/// <summary>The answer to a store inquiry: what the POS shows the customer before taking the cash.</summary>
public sealed record InquiryResponse(
    StoreStatus OnlineToOfflineInquiry,
    StoreOrder? Order,
    StoreCodeInfo OnlineToOfflineInfo,
    StoreCustomer? Customer = null,
    StoreAdditionalInfo? AdditionalInfo = null,
    AlfaInfo? AlfaInfo = null);

public sealed record PaymentStatus(string Status, string? PaymentId = null, string? Message = null);

/// <summary>The answer to a store payment: what the receipt prints (insurance data and footer included, as the reference's insurance feature says).</summary>
public sealed record PaymentResponse(
    PaymentStatus OnlineToOfflinePayment,
    StoreOrder? Order,
    StoreCodeInfo OnlineToOfflineInfo,
    StoreCustomer? Customer = null,
    StoreAdditionalInfo? AdditionalInfo = null,
    AlfaInfo? AlfaInfo = null);

public sealed record ReversalResponse(string Status, string? PaymentId = null, string? Reason = null, string? Message = null);

/// <summary>
/// The ids of the Alfa channel on the wire. <see cref="AcquirerId"/> is the channel's, whatever code an operator
/// gave the acquirer connection a request came through: that code only names a set of credentials, and several
/// connections of one channel may exist at once (during a key change, for example).
/// </summary>
public static class AlfaChannel
{
    public const string ServiceId = "ONLINE_TO_OFFLINE";
    public const string AcquirerId = "ALFA";
    public const string ChannelId = "ONLINE_TO_OFFLINE_ALFA";
}

/// <summary>The store-side statuses and the HTTP status each is answered with.</summary>
public static class StoreOutcome
{
    public const string Success = "success";
    public const string Decline = "decline";
    public const string AlreadyPaid = "billing_already_paid";
    public const string Expired = "billing_was_expired";
    public const string NotFound = "billing_not_found";

    public static int HttpStatus(string status) => status switch
    {
        Success => StatusCodes.Status200OK,
        NotFound => StatusCodes.Status404NotFound,
        _ => StatusCodes.Status400BadRequest,
    };
}
