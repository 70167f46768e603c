using System.Text.Json;
using Tunai.Signing;

namespace Tunai.Merchant;

/// <summary>A response ready to write: status, headers (signature included) and the exact body bytes.</summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="Headers">Headers to set, Content-Type included.</param>
/// <param name="Body">The body bytes the signature covers.</param>
public sealed record SignedResponse(int StatusCode, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>
/// The merchant's answer to a direct inquiry. Each status has the HTTP status the reference requires:
/// success 200; decline, billing_already_paid and billing_was_expired 400; billing_not_found 404.
/// </summary>
public sealed class DirectInquiryResult
{
    /// <summary>What a success answer carries: the bill the store shows and collects.</summary>
    private sealed record Bill(string InvoiceNumber, long Amount, string CustomerName, string? CustomerEmail, string? Info,
        JsonElement? AdditionalInfo, string? FooterMessage = null);

    private readonly string? _message;
    private Bill? _bill;

    private DirectInquiryResult(string status, int httpStatus, string? message = null, Bill? bill = null)
    {
        Status = status;
        HttpStatus = httpStatus;
        _message = message;
        _bill = bill;
    }

    /// <summary>The inquiry status on the wire (<c>success</c>, <c>decline</c>, ...).</summary>
    public string Status { get; }

    /// <summary>The HTTP status the reference requires for <see cref="Status"/>.</summary>
    public int HttpStatus { get; }

    /// <summary>The code is the merchant's and payable: the bill the store shows and collects.</summary>
    /// <param name="invoiceNumber">The invoice the payment settles.</param>
    /// <param name="amount">The amount in rupiah.</param>
    /// <param name="customerName">The customer's name (at most 64 characters).</param>
    /// <param name="customerEmail">The customer's e-mail address.</param>
    /// <param name="info">A short text for the till (at most 30 characters).</param>
    /// <param name="additionalInfo">A JSON object that comes back in the payment's notification.</param>
    public static DirectInquiryResult Success(string invoiceNumber, long amount, string customerName, string? customerEmail = null,
        string? info = null, JsonElement? additionalInfo = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(invoiceNumber);
        ArgumentException.ThrowIfNullOrWhiteSpace(customerName);
        ArgumentOutOfRangeException.ThrowIfLessThan(amount, 1);
        return new("success", 200, null, new Bill(invoiceNumber, amount, customerName, customerEmail, info, additionalInfo));
    }

    /// <summary>
    /// The same bill with a footer message printed on the store's receipt (<c>alfa_info.receipt.footer_message</c>,
    /// at most 128 characters), as for a code Tunai generated. Insurance data goes in <c>additionalInfo</c> as
    /// <c>insurance_info</c>: the till shows it and prints it on the receipt.
    /// </summary>
    /// <param name="footerMessage">The text, e.g. <c>Call Center 021 555-0525</c>.</param>
    public DirectInquiryResult WithFooterMessage(string footerMessage)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(footerMessage);
        if (_bill is null)
        {
            throw new InvalidOperationException("Only a success bill carries a receipt footer");
        }
        var copy = (DirectInquiryResult)MemberwiseClone();
        copy._bill = _bill with { FooterMessage = footerMessage };
        return copy;
    }

    /// <summary>The merchant knows no bill for this code (HTTP 404).</summary>
    public static DirectInquiryResult NotFound(string? message = null) => new("billing_not_found", 404, message);

    /// <summary>The bill was already paid (HTTP 400).</summary>
    public static DirectInquiryResult AlreadyPaid(string? message = null) => new("billing_already_paid", 400, message);

    /// <summary>The bill has expired (HTTP 400).</summary>
    public static DirectInquiryResult Expired(string? message = null) => new("billing_was_expired", 400, message);

    /// <summary>The merchant refuses the payment for another reason (HTTP 400).</summary>
    public static DirectInquiryResult Decline(string? message = null) => new("decline", 400, message);

    /// <summary>The response body for an inquiry about <paramref name="paymentCode"/>.</summary>
    public byte[] ToJson(string paymentCode)
    {
        var bill = _bill;
        var body = new WireInquiryResponse(
            bill is null ? null : new WireOrder(bill.InvoiceNumber, bill.Amount),
            bill is null ? null : new WireInquiryCode(paymentCode, bill.Info),
            new WireInquiryStatus(Status, _message),
            bill is null ? null : new WireCustomer(bill.CustomerName, bill.CustomerEmail),
            bill?.AdditionalInfo,
            bill?.FooterMessage is { } footer ? new WireAlfaInfo(new WireReceipt(footer)) : null);
        return JsonSerializer.SerializeToUtf8Bytes(body, TunaiJson.Default.WireInquiryResponse);
    }

    /// <summary>
    /// The signed response: Client-Id, the request's Request-Id echoed, Response-Timestamp and a Signature over
    /// the body with Request-Target = the Inquiry URL's path.
    /// </summary>
    public SignedResponse ToSignedResponse(DirectInquiryRequest request, string clientId, string secretKey, string requestPath, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = ToJson(request.PaymentCode);
        var signed = SignedEnvelope.SignResponse(clientId, secretKey, request.RequestId, now, RequestTarget.Encode(requestPath), body);
        var headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" };
        foreach (var (name, value) in signed.ToList())
        {
            headers[name] = value;
        }
        return new SignedResponse(HttpStatus, headers, body);
    }

    /// <summary>What to answer a request whose signature failed: 401 invalid_signature, unsigned (we cannot vouch for its Request-Id).</summary>
    public static SignedResponse InvalidSignature() =>
        new(401, new Dictionary<string, string> { ["Content-Type"] = "application/json" },
            JsonSerializer.SerializeToUtf8Bytes(new WireInquiryResponse(null, null, new WireInquiryStatus("invalid_signature", null), null, null),
                TunaiJson.Default.WireInquiryResponse));
}
