using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tunai.Merchant.Snap;

/// <summary>A SNAP amount: <c>{"value":"150000.00","currency":"IDR"}</c>.</summary>
/// <param name="Value">Digits with two decimals.</param>
/// <param name="Currency">IDR.</param>
public sealed record SnapAmount(string Value, string Currency)
{
    /// <summary>Whole rupiah as SNAP writes them.</summary>
    public static SnapAmount Idr(long rupiah) => new(rupiah.ToString(CultureInfo.InvariantCulture) + ".00", "IDR");

    /// <summary>The value in whole rupiah; null when it is not a whole amount of digits with <c>.00</c> or none.</summary>
    [JsonIgnore]
    public long? Rupiah
    {
        get
        {
            var whole = Value.EndsWith(".00", StringComparison.Ordinal) ? Value[..^3] : Value;
            return whole.Length is > 0 and <= 18 && whole.All(char.IsAsciiDigit) ? long.Parse(whole, CultureInfo.InvariantCulture) : null;
        }
    }
}

/// <summary>A text in both languages SNAP uses (<c>freeText</c>, <c>paymentFlagReason</c>).</summary>
/// <param name="English">English.</param>
/// <param name="Indonesia">Bahasa Indonesia.</param>
public sealed record SnapText(string? English, string? Indonesia);

/// <summary>Creates a store code as a SNAP virtual account (<c>transfer-va/create-va</c>).</summary>
public sealed record SnapCreateVaRequest
{
    /// <summary>The merchant's invoice number (<c>trxId</c>).</summary>
    public required string TrxId { get; init; }

    /// <summary>The amount in whole rupiah (<c>totalAmount</c>).</summary>
    public required long Amount { get; init; }

    /// <summary>The customer's name (<c>virtualAccountName</c>).</summary>
    public required string VirtualAccountName { get; init; }

    /// <summary>The digits after the prefix for a code the merchant made (MGPC); null lets the gateway draw them (DGPC).</summary>
    public string? CustomerNo { get; init; }

    /// <summary>The customer's email.</summary>
    public string? VirtualAccountEmail { get; init; }

    /// <summary>The customer's phone.</summary>
    public string? VirtualAccountPhone { get; init; }

    /// <summary>When the code expires; null for the gateway's default.</summary>
    public DateTimeOffset? ExpiredDate { get; init; }

    /// <summary>Up to three lines the till shows (<c>freeText</c>).</summary>
    public IReadOnlyList<string>? FreeText { get; init; }

    /// <summary>A code paid more than once (<c>reusableStatus</c>).</summary>
    public bool Reusable { get; init; }

    /// <summary>The store channel; null for <see cref="TunaiSnapOptions.Channel"/>.</summary>
    public string? Channel { get; init; }
}

/// <summary>Changes a SNAP virtual account (<c>transfer-va/update-va</c>); null fields are left as they are.</summary>
public sealed record SnapUpdateVaRequest
{
    /// <summary>The digits after the prefix of the code to change.</summary>
    public required string CustomerNo { get; init; }

    /// <summary>The code's invoice number (<c>trxId</c>): the gateway refuses another.</summary>
    public required string TrxId { get; init; }

    /// <summary>A new amount in whole rupiah.</summary>
    public long? Amount { get; init; }

    /// <summary>A new customer name.</summary>
    public string? VirtualAccountName { get; init; }

    /// <summary>A new customer email.</summary>
    public string? VirtualAccountEmail { get; init; }

    /// <summary>A new customer phone.</summary>
    public string? VirtualAccountPhone { get; init; }

    /// <summary>A new expiry (revives an expired code).</summary>
    public DateTimeOffset? ExpiredDate { get; init; }

    /// <summary>New till lines.</summary>
    public IReadOnlyList<string>? FreeText { get; init; }

    /// <summary>A new reusable status.</summary>
    public bool? Reusable { get; init; }

    /// <summary>The store channel; null for <see cref="TunaiSnapOptions.Channel"/>.</summary>
    public string? Channel { get; init; }
}

/// <summary>What the gateway adds to a virtual account: its channel and how-to-pay links.</summary>
/// <param name="Channel">The store channel.</param>
/// <param name="HowToPayPage">The customer's how-to-pay page.</param>
/// <param name="HowToPayApi">The same as JSON.</param>
public sealed record SnapVaAdditionalInfo(string? Channel, string? HowToPayPage, string? HowToPayApi);

/// <summary>A virtual account as create, update and delete answer it (<c>virtualAccountData</c>).</summary>
/// <param name="PartnerServiceId">The prefix, as sent.</param>
/// <param name="CustomerNo">The digits after the prefix.</param>
/// <param name="VirtualAccountNo"><paramref name="PartnerServiceId"/> + <paramref name="CustomerNo"/>.</param>
/// <param name="VirtualAccountName">The customer's name.</param>
/// <param name="VirtualAccountEmail">The customer's email.</param>
/// <param name="VirtualAccountPhone">The customer's phone.</param>
/// <param name="TrxId">The invoice number.</param>
/// <param name="TotalAmount">The amount.</param>
/// <param name="VirtualAccountTrxType">C (closed amount).</param>
/// <param name="ReusableStatus">Whether it can be paid more than once.</param>
/// <param name="ExpiredDate">When it expires (ISO-8601, WIB).</param>
/// <param name="FreeText">The till's lines.</param>
/// <param name="AdditionalInfo">Channel and how-to-pay links.</param>
public sealed record SnapVirtualAccount(
    string PartnerServiceId,
    string CustomerNo,
    string VirtualAccountNo,
    string? VirtualAccountName,
    string? VirtualAccountEmail,
    string? VirtualAccountPhone,
    string? TrxId,
    SnapAmount? TotalAmount,
    string? VirtualAccountTrxType,
    bool? ReusableStatus,
    string? ExpiredDate,
    IReadOnlyList<SnapText>? FreeText,
    SnapVaAdditionalInfo? AdditionalInfo)
{
    /// <summary>The digits the customer keys in at the store: the prefix without its padding, then <see cref="CustomerNo"/>.</summary>
    [JsonIgnore]
    public string PaymentCode => PartnerServiceId.Trim() + CustomerNo;
}

/// <summary>The answer to create, update or delete.</summary>
/// <param name="ResponseCode">2002700, 2002800 or 2003100.</param>
/// <param name="ResponseMessage">Successful.</param>
/// <param name="VirtualAccountData">The virtual account.</param>
public sealed record SnapVaResponse(string ResponseCode, string ResponseMessage, SnapVirtualAccount VirtualAccountData)
{
    /// <summary>The X-EXTERNAL-ID of the call (the same on every retry of it).</summary>
    [JsonIgnore]
    public string ExternalId { get; init; } = "";

    /// <summary>True when the gateway replayed the stored answer of an earlier attempt (409 <c>Tunai-Replayed: true</c>).</summary>
    [JsonIgnore]
    public bool Replayed { get; init; }
}

/// <summary>A virtual account's payment state (<c>virtualAccountData</c> of a status answer).</summary>
/// <param name="PartnerServiceId">The prefix, as sent.</param>
/// <param name="CustomerNo">The digits after the prefix.</param>
/// <param name="VirtualAccountNo">The full number.</param>
/// <param name="InquiryRequestId">Echoed.</param>
/// <param name="PaymentRequestId">Echoed.</param>
/// <param name="TrxId">The invoice number.</param>
/// <param name="PaidAmount">What was paid (0.00 when not paid).</param>
/// <param name="TotalAmount">The amount due.</param>
/// <param name="TransactionDate">When it was paid.</param>
/// <param name="ReferenceNo">The store's transaction id, once paid.</param>
/// <param name="PaymentFlagStatus">00 paid, 01 not paid.</param>
/// <param name="PaymentFlagReason">Why, in both languages.</param>
public sealed record SnapVaStatusData(
    string PartnerServiceId,
    string CustomerNo,
    string VirtualAccountNo,
    string? InquiryRequestId,
    string? PaymentRequestId,
    string? TrxId,
    SnapAmount? PaidAmount,
    SnapAmount? TotalAmount,
    string? TransactionDate,
    string? ReferenceNo,
    string? PaymentFlagStatus,
    SnapText? PaymentFlagReason);

/// <summary>The gateway's additions to a status answer.</summary>
/// <param name="Acquirer">The store network that took the payment.</param>
/// <param name="TrxStatus">ACTIVE, PAID, EXPIRED or CANCELLED.</param>
/// <param name="Channel">The store channel.</param>
public sealed record SnapStatusAdditionalInfo(IdRef? Acquirer, string? TrxStatus, string? Channel);

/// <summary>The answer to a status call (2002600).</summary>
/// <param name="ResponseCode">2002600.</param>
/// <param name="ResponseMessage">Successful.</param>
/// <param name="VirtualAccountData">The payment state.</param>
/// <param name="AdditionalInfo">Acquirer and the code's status.</param>
public sealed record SnapVaStatusResponse(string ResponseCode, string ResponseMessage, SnapVaStatusData VirtualAccountData, SnapStatusAdditionalInfo? AdditionalInfo)
{
    /// <summary>True when the code was paid (<c>paymentFlagStatus</c> 00).</summary>
    [JsonIgnore]
    public bool IsPaid => VirtualAccountData.PaymentFlagStatus == "00";

    /// <summary>The X-EXTERNAL-ID of the call.</summary>
    [JsonIgnore]
    public string ExternalId { get; init; } = "";
}

internal sealed record SnapTokenResponse(string? ResponseCode, string? ResponseMessage, string? AccessToken, string? TokenType, long? ExpiresIn);

internal sealed record SnapErrorResponse(JsonElement? ResponseCode, string? ResponseMessage);

internal sealed record SnapWireVaConfig(bool? ReusableStatus);

internal sealed record SnapWireVaInfo(string? Channel);

internal sealed record SnapWireVaRequest(
    string PartnerServiceId,
    string? CustomerNo,
    string? VirtualAccountNo,
    string? TrxId,
    string? VirtualAccountName,
    string? VirtualAccountEmail,
    string? VirtualAccountPhone,
    SnapAmount? TotalAmount,
    IReadOnlyList<SnapText>? FreeText,
    string? VirtualAccountTrxType,
    bool? ReusableStatus,
    string? ExpiredDate,
    SnapWireVaInfo? AdditionalInfo);

internal sealed record SnapWireStatusRequest(string PartnerServiceId, string CustomerNo, string VirtualAccountNo);

internal sealed record SnapWireTokenRequest(string GrantType);

/// <summary>
/// SNAP's wire form: camelCase, nulls left out when writing, numbers accepted as strings when reading, unknown fields
/// ignored. What is sent goes through <see cref="Tunai.Signing.SnapJson"/> so that it is written as JSON.stringify would.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(SnapTokenResponse))]
[JsonSerializable(typeof(SnapErrorResponse))]
[JsonSerializable(typeof(SnapWireVaRequest))]
[JsonSerializable(typeof(SnapWireStatusRequest))]
[JsonSerializable(typeof(SnapWireTokenRequest))]
[JsonSerializable(typeof(SnapVaResponse))]
[JsonSerializable(typeof(SnapVaStatusResponse))]
[JsonSerializable(typeof(SnapPaymentNotification))]
[JsonSerializable(typeof(SnapInquiryRequest))]
internal sealed partial class SnapWireJson : JsonSerializerContext;
