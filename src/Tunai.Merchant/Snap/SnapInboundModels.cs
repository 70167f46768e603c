using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Tunai.Signing;

namespace Tunai.Merchant.Snap;

/// <summary>
/// A SNAP payment notification (<c>transfer-va/payment</c>, service 25) the gateway sends when a store code was paid,
/// parsed leniently: fields the gateway may add are ignored, parts it leaves out are null.
/// </summary>
/// <param name="PartnerServiceId">The merchant's prefix, left-padded with spaces to 8.</param>
/// <param name="CustomerNo">The digits after the prefix.</param>
/// <param name="VirtualAccountNo"><paramref name="PartnerServiceId"/> + <paramref name="CustomerNo"/>.</param>
/// <param name="VirtualAccountName">The customer's name.</param>
/// <param name="VirtualAccountEmail">The customer's email.</param>
/// <param name="VirtualAccountPhone">The customer's phone.</param>
/// <param name="TrxId">The merchant's invoice number.</param>
/// <param name="PaymentRequestId">The code's Request-Id; for a code billed by direct inquiry, the inquiry's <c>inquiryRequestId</c>.</param>
/// <param name="InquiryRequestId">Not sent by Tunai (a direct inquiry's id comes as <paramref name="PaymentRequestId"/>).</param>
/// <param name="ChannelCode">The channel's code.</param>
/// <param name="HashedSourceAccountNo">Not used by store payments.</param>
/// <param name="SourceBankCode">Not used by store payments.</param>
/// <param name="PaidAmount">What the customer paid.</param>
/// <param name="CumulativePaymentAmount">Not sent by Tunai.</param>
/// <param name="PaidBills">Not used by store payments.</param>
/// <param name="TotalAmount">The code's amount.</param>
/// <param name="TrxDateTime">When it was paid (ISO-8601 with offset).</param>
/// <param name="ReferenceNo">The store's transaction id.</param>
/// <param name="JournalNum">Not sent by Tunai.</param>
/// <param name="PaymentType">Not used by store payments.</param>
/// <param name="FlagAdvise">Always <c>N</c> from Tunai, whose every attempt sends the same bytes: a repeat is known by <see cref="ExternalId"/>.</param>
/// <param name="AdditionalInfo">The gateway's additions (channel, acquirer...).</param>
public sealed record SnapPaymentNotification(
    string? PartnerServiceId,
    string? CustomerNo,
    string? VirtualAccountNo,
    string? VirtualAccountName,
    string? VirtualAccountEmail,
    string? VirtualAccountPhone,
    string? TrxId,
    string? PaymentRequestId,
    string? InquiryRequestId,
    JsonElement? ChannelCode,
    string? HashedSourceAccountNo,
    string? SourceBankCode,
    SnapAmount? PaidAmount,
    SnapAmount? CumulativePaymentAmount,
    string? PaidBills,
    SnapAmount? TotalAmount,
    string? TrxDateTime,
    string? ReferenceNo,
    string? JournalNum,
    JsonElement? PaymentType,
    string? FlagAdvise,
    JsonElement? AdditionalInfo)
{
    /// <summary>
    /// The notification's X-EXTERNAL-ID: the same on every delivery of one notification, so drop duplicates by it, or
    /// better make marking an order paid idempotent.
    /// </summary>
    [JsonIgnore]
    public string ExternalId { get; init; } = "";

    /// <summary>
    /// What happened, as Tunai writes it in <c>additionalInfo.trxStatus</c>: <c>PAID</c>, or <c>REVERSED</c> when the
    /// store reversed the payment (the same notification shape, sent again with this status); null when absent.
    /// </summary>
    [JsonIgnore]
    public string? TrxStatus => AdditionalInfo is { ValueKind: JsonValueKind.Object } info && info.TryGetProperty("trxStatus", out var status)
        && status.ValueKind == JsonValueKind.String ? status.GetString() : null;

    /// <summary>True when the store reversed the payment: the order is no longer paid.</summary>
    [JsonIgnore]
    public bool IsReversal => string.Equals(TrxStatus, "REVERSED", StringComparison.OrdinalIgnoreCase);

    /// <summary>The digits the customer keyed in: the prefix without its padding, then the customer number.</summary>
    [JsonIgnore]
    public string PaymentCode => VirtualAccountNo?.Replace(" ", "", StringComparison.Ordinal) ?? (PartnerServiceId?.Trim() + CustomerNo);
}

/// <summary>
/// A SNAP inquiry (<c>transfer-va/inquiry</c>, service 24): the gateway asks what a code under the merchant's prefix,
/// unknown to it, is for. Answer with a <see cref="SnapInquiryResult"/>.
/// </summary>
/// <param name="PartnerServiceId">The merchant's prefix, left-padded with spaces to 8.</param>
/// <param name="CustomerNo">The digits after the prefix.</param>
/// <param name="VirtualAccountNo"><paramref name="PartnerServiceId"/> + <paramref name="CustomerNo"/>.</param>
/// <param name="TrxDateInit">When the store asked.</param>
/// <param name="ChannelCode">The channel's code.</param>
/// <param name="Language">The customer's language, when known.</param>
/// <param name="Amount">The amount the store was told, when it was told one.</param>
/// <param name="InquiryRequestId">The inquiry's id, echoed in the answer.</param>
/// <param name="AdditionalInfo">The gateway's additions (channel, store...).</param>
public sealed record SnapInquiryRequest(
    string? PartnerServiceId,
    string? CustomerNo,
    string? VirtualAccountNo,
    string? TrxDateInit,
    JsonElement? ChannelCode,
    string? Language,
    SnapAmount? Amount,
    string? InquiryRequestId,
    JsonElement? AdditionalInfo)
{
    /// <summary>The inquiry's X-EXTERNAL-ID.</summary>
    [JsonIgnore]
    public string ExternalId { get; init; } = "";

    /// <summary>What the request's signature covered, for signing the answer the same way: method, path and token.</summary>
    [JsonIgnore]
    internal (string Method, string Path, string Token) Signed { get; init; }

    /// <summary>The digits the customer keyed in: the prefix without its padding, then the customer number.</summary>
    [JsonIgnore]
    public string PaymentCode => VirtualAccountNo?.Replace(" ", "", StringComparison.Ordinal) ?? (PartnerServiceId?.Trim() + CustomerNo);
}

/// <summary>
/// A SNAP answer the merchant sends: the HTTP status (the first three digits of <see cref="ResponseCode"/>) and the
/// JSON body, written as <c>JSON.stringify</c> would. Write <see cref="Body"/> with <see cref="StatusCode"/> and
/// <c>Content-Type: application/json</c> from any web framework.
/// </summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="ResponseCode">SNAP's 7-character responseCode.</param>
/// <param name="Body">The body bytes.</param>
public sealed record SnapAnswer(int StatusCode, string ResponseCode, byte[] Body)
{
    /// <summary>Headers to send with the answer (X-TIMESTAMP and X-SIGNATURE of a signed inquiry answer).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>An answer with <c>responseCode</c> and <c>responseMessage</c> first, then <paramref name="fields"/>.</summary>
    public static SnapAnswer Of(string responseCode, string responseMessage, JsonObject? fields = null)
    {
        ArgumentNullException.ThrowIfNull(responseCode);
        var body = new JsonObject { ["responseCode"] = responseCode, ["responseMessage"] = responseMessage };
        foreach (var (name, value) in fields?.ToList() ?? [])
        {
            fields!.Remove(name);
            body[name] = value;
        }
        return new SnapAnswer(int.Parse(responseCode.AsSpan(0, 3), CultureInfo.InvariantCulture), responseCode, SnapJson.WriteBytes(body));
    }
}

/// <summary>What the merchant answers to a SNAP inquiry: the bill (2002400) or why there is none.</summary>
public sealed class SnapInquiryResult
{
    private SnapInquiryResult()
    {
    }

    /// <summary>The two-digit case code of the answer.</summary>
    public string CaseCode { get; private init; } = "00";

    /// <summary>The answer's HTTP status.</summary>
    public int HttpStatus { get; private init; } = 200;

    /// <summary>The responseMessage.</summary>
    public string Message { get; private init; } = "Successful";

    /// <summary>The invoice number of the bill.</summary>
    public string? TrxId { get; private init; }

    /// <summary>The amount due, whole rupiah.</summary>
    public long Amount { get; private init; }

    /// <summary>The customer's name.</summary>
    public string? VirtualAccountName { get; private init; }

    /// <summary>The customer's email.</summary>
    public string? VirtualAccountEmail { get; private init; }

    /// <summary>Up to three lines for the till.</summary>
    public IReadOnlyList<string>? FreeText { get; private init; }

    /// <summary>A JSON object kept as the code's additional_info.</summary>
    public JsonElement? AdditionalInfo { get; private init; }

    /// <summary>True for a bill the customer may pay.</summary>
    public bool IsBill => CaseCode == "00" && HttpStatus == 200;

    /// <summary>The code is this bill: pay <paramref name="amount"/> for invoice <paramref name="trxId"/>.</summary>
    /// <param name="trxId">The invoice the payment settles (at most 64 characters).</param>
    /// <param name="amount">The amount due, whole rupiah.</param>
    /// <param name="virtualAccountName">The customer's name (at most 64 characters).</param>
    /// <param name="virtualAccountEmail">The customer's email.</param>
    /// <param name="freeText">Up to three lines of at most 30 characters for the till (the gateway refuses a bill with longer ones).</param>
    /// <param name="additionalInfo">A JSON object the gateway keeps as the code's additional_info.</param>
    public static SnapInquiryResult Bill(string trxId, long amount, string virtualAccountName, string? virtualAccountEmail = null,
        IReadOnlyList<string>? freeText = null, JsonElement? additionalInfo = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(trxId);
        ArgumentException.ThrowIfNullOrWhiteSpace(virtualAccountName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        if (freeText is { Count: > 3 } || freeText?.Any(line => line is null || line.Length > 30) == true)
        {
            throw new ArgumentException("At most three lines of at most 30 characters", nameof(freeText));
        }
        if (additionalInfo is { ValueKind: not JsonValueKind.Object })
        {
            throw new ArgumentException("additionalInfo must be a JSON object", nameof(additionalInfo));
        }
        return new SnapInquiryResult
        {
            TrxId = trxId, Amount = amount, VirtualAccountName = virtualAccountName, VirtualAccountEmail = virtualAccountEmail,
            FreeText = freeText, AdditionalInfo = additionalInfo,
        };
    }

    /// <summary>No such bill (4042412).</summary>
    public static SnapInquiryResult NotFound() => Refusal(404, "12", "Invalid Bill/Virtual Account [Not Found]");

    /// <summary>Already paid (4042414).</summary>
    public static SnapInquiryResult Paid() => Refusal(404, "14", "Paid Bill");

    /// <summary>Expired (4032400).</summary>
    public static SnapInquiryResult Expired() => Refusal(403, "00", "Transaction Expired");

    /// <summary>Not payable for another reason (4042419), said in <paramref name="reason"/>.</summary>
    public static SnapInquiryResult Decline(string reason) => Refusal(404, "19", $"Invalid Bill/Virtual Account [{reason}]");

    private static SnapInquiryResult Refusal(int status, string caseCode, string message) =>
        new() { HttpStatus = status, CaseCode = caseCode, Message = message };

    /// <summary>The SNAP answer to <paramref name="request"/>.</summary>
    public SnapAnswer ToAnswer(SnapInquiryRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var code = $"{HttpStatus.ToString(CultureInfo.InvariantCulture)}{SnapInbound.InquiryService}{CaseCode}";
        if (!IsBill)
        {
            return SnapAnswer.Of(code, Message);
        }
        var freeTexts = new JsonArray();
        foreach (var line in FreeText ?? [])
        {
            freeTexts.Add(new JsonObject { ["english"] = line, ["indonesia"] = line });
        }
        return SnapAnswer.Of(code, Message, new JsonObject
        {
            ["virtualAccountData"] = new JsonObject
            {
                ["inquiryStatus"] = "00",
                ["inquiryReason"] = new JsonObject { ["english"] = "Success", ["indonesia"] = "Sukses" },
                ["partnerServiceId"] = request.PartnerServiceId,
                ["customerNo"] = request.CustomerNo,
                ["virtualAccountNo"] = request.VirtualAccountNo,
                ["virtualAccountName"] = VirtualAccountName,
                ["virtualAccountEmail"] = VirtualAccountEmail,
                ["inquiryRequestId"] = request.InquiryRequestId,
                ["trxId"] = TrxId,
                ["totalAmount"] = new JsonObject { ["value"] = SnapAmount.Idr(Amount).Value, ["currency"] = "IDR" },
                ["virtualAccountTrxType"] = "C",
                ["freeTexts"] = freeTexts,
                ["billDetails"] = new JsonArray(),
                ["additionalInfo"] = AdditionalInfo is { } info ? JsonNode.Parse(info.GetRawText()) : null,
            },
        });
    }
}
