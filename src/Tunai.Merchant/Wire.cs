using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tunai.Merchant;

// The gateway's wire shapes (snake_case). Public types are flat; these mirror the nesting of the JSON.

internal sealed record WireOrder(string? InvoiceNumber, long? Amount);

internal sealed record WireCreateInfo(string? PaymentCode, int? ExpiredTime, bool ReusableStatus, string? Info, string? Info2 = null, string? Info3 = null);

internal sealed record WireUpdateInfo(string PaymentCode, string Status, int? ExpiredTime, bool? ReusableStatus, string? Info, string? Info2 = null, string? Info3 = null);

internal sealed record WireCustomer(string? Name, string? Email);

internal sealed record WireReceipt(string FooterMessage);

internal sealed record WireAlfaInfo(WireReceipt Receipt);

internal sealed record WireCreateRequest(WireOrder Order, WireCreateInfo OnlineToOfflineInfo, WireCustomer Customer, WireAlfaInfo? AlfaInfo, JsonElement? AdditionalInfo);

internal sealed record WireUpdateRequest(WireOrder? Order, WireUpdateInfo OnlineToOfflineInfo, WireCustomer? Customer, WireAlfaInfo? AlfaInfo, JsonElement? AdditionalInfo = null);

internal sealed record WireCodeInfo(string PaymentCode, string? HowToPayPage, string? HowToPayApi, string CreatedDateUtc, string ExpiredDateUtc);

internal sealed record WireCodeResponse(WireOrder Order, WireCodeInfo OnlineToOfflineInfo, JsonElement? AdditionalInfo);

internal sealed record WireErrorDetail(string? Code, string? Message, string? Field);

internal sealed record WireError(WireErrorDetail? Error);

internal sealed record WireTransaction(string Status, string Date, string? OriginalRequestId);

internal sealed record WireStatusPayment(string PaymentId, IReadOnlyList<PaymentIdentifier>? Identifier, long? PaymentCount);

internal sealed record WireStatusResponse(WireOrder Order, WireTransaction Transaction, WireCodeInfo OnlineToOfflineInfo, WireStatusPayment? OnlineToOfflinePayment);

internal sealed record WireInquiryStatus(string Status, string? Message);

internal sealed record WireInquiryCode(string PaymentCode, string? Info);

internal sealed record WireInquiryResponse(WireOrder? Order, WireInquiryCode? OnlineToOfflineInfo, WireInquiryStatus OnlineToOfflineInquiry, WireCustomer? Customer, JsonElement? AdditionalInfo,
    WireAlfaInfo? AlfaInfo = null);

/// <summary>
/// The one serializer context of the SDK: snake_case, nulls left out when writing, numbers accepted as
/// strings when reading (real senders write both), unknown fields ignored.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(WireCreateRequest))]
[JsonSerializable(typeof(WireUpdateRequest))]
[JsonSerializable(typeof(WireCodeResponse))]
[JsonSerializable(typeof(WireError))]
[JsonSerializable(typeof(WireStatusResponse))]
[JsonSerializable(typeof(SettlementReport))]
[JsonSerializable(typeof(WireInquiryResponse))]
[JsonSerializable(typeof(PaymentNotification))]
[JsonSerializable(typeof(DirectInquiryRequest))]
[JsonSerializable(typeof(string))]
internal sealed partial class TunaiJson : JsonSerializerContext;
