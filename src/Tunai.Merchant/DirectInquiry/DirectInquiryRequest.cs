using System.Text.Json.Serialization;

namespace Tunai.Merchant;

/// <summary>The code a store asked about.</summary>
/// <param name="PaymentCode">The code the customer read out.</param>
public sealed record InquiryCodeInfo(string PaymentCode);

/// <summary>When and where the store asked.</summary>
/// <param name="Date">UTC ISO-8601.</param>
/// <param name="Identifier">AGENT_ID, AGENT_STORE_ID, AGENT_TERMINAL_ID, AGENT_TRX_ID, ...</param>
public sealed record InquiryDetail(string? Date, IReadOnlyList<PaymentIdentifier>? Identifier);

/// <summary>
/// A direct inquiry: a store asks the merchant's Inquiry URL what a code it does not know is for
/// (reference, "Receive Inquiry Request"). Answer with a <see cref="DirectInquiryResult"/>.
/// </summary>
/// <param name="Service">ONLINE_TO_OFFLINE.</param>
/// <param name="Acquirer">The store network.</param>
/// <param name="Channel">ONLINE_TO_OFFLINE_ALFA.</param>
/// <param name="OnlineToOfflineInfo">The code asked about.</param>
/// <param name="OnlineToOfflineInquiry">When and where.</param>
public sealed record DirectInquiryRequest(
    IdRef? Service,
    IdRef? Acquirer,
    IdRef? Channel,
    InquiryCodeInfo OnlineToOfflineInfo,
    InquiryDetail? OnlineToOfflineInquiry)
{
    /// <summary>The gateway's Request-Id, echoed in the signed answer.</summary>
    [JsonIgnore]
    public string RequestId { get; init; } = "";

    /// <summary>The code asked about.</summary>
    [JsonIgnore]
    public string PaymentCode => OnlineToOfflineInfo.PaymentCode;

    /// <summary>The value of an identifier such as AGENT_TRX_ID, or null.</summary>
    public string? Identifier(string name) =>
        OnlineToOfflineInquiry?.Identifier?.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.Ordinal))?.Value;
}
