using Tunai.Gateway.Merchants;

namespace Tunai.Gateway.DirectInquiry;

/// <summary>What the store sent with its inquiry, passed on to the merchant as identifiers.</summary>
public sealed record StoreContext(string AcquirerCode, string AgentId, string StoreId, string? TerminalId, string TrxId, DateTimeOffset Date);

/// <summary>
/// The merchant's answer to a direct inquiry, already verified and validated. <see cref="Status"/> is one of
/// success, decline, billing_already_paid, billing_was_expired, billing_not_found; for success the bill fields
/// are set. <see cref="Reason"/> says why a decline was made up by the gateway (timeout, bad signature, ...).
/// </summary>
public sealed record DirectInquiryAnswer(
    string Status,
    string? InvoiceNumber = null,
    long? Amount = null,
    string? Info = null,
    string? CustomerName = null,
    string? CustomerEmail = null,
    string? AdditionalInfo = null,
    string? Reason = null);

/// <summary>
/// Forwards a store's inquiry for a code the gateway does not know to the merchant's Inquiry URL.
/// (AddHttpClient&lt;DirectInquiryClient&gt; needs a constructor taking the HttpClient, even while the body is a stub.)
/// </summary>
public sealed class DirectInquiryClient(HttpClient http)
{
    public HttpClient Http { get; } = http;

    public Task<DirectInquiryAnswer> AskAsync(Merchant merchant, string paymentCode, StoreContext store, CancellationToken ct) =>
        throw new NotSupportedException("direct inquiry is being written");
}
