using System.Text.Json;

namespace Tunai.Merchant;

/// <summary>A new payment code for an invoice.</summary>
public sealed record CreatePaymentCodeRequest
{
    /// <summary>The merchant's invoice number (at most 64 characters); one live code per invoice.</summary>
    public required string InvoiceNumber { get; init; }

    /// <summary>The amount in rupiah.</summary>
    public required long Amount { get; init; }

    /// <summary>The customer's name (at most 64 characters), shown at the till.</summary>
    public required string CustomerName { get; init; }

    /// <summary>The customer's e-mail address.</summary>
    public string? CustomerEmail { get; init; }

    /// <summary>
    /// The merchant's own code (your prefix followed by digits, at most 20 digits); null lets the gateway
    /// generate one.
    /// </summary>
    public string? PaymentCode { get; init; }

    /// <summary>Minutes until the code expires; null for the gateway's default (60).</summary>
    public int? ExpiredMinutes { get; init; }

    /// <summary>True when the code may be paid more than once.</summary>
    public bool Reusable { get; init; }

    /// <summary>A short text shown at the till (at most 30 characters).</summary>
    public string? Info { get; init; }

    /// <summary>A second line for the till (at most 30 characters).</summary>
    public string? Info2 { get; init; }

    /// <summary>A third line for the till (at most 30 characters).</summary>
    public string? Info3 { get; init; }

    /// <summary>Text printed on the store receipt (at most 128 characters).</summary>
    public string? ReceiptFooterMessage { get; init; }

    /// <summary>Free-form JSON object stored with the code and sent back in its notifications.</summary>
    public JsonElement? AdditionalInfo { get; init; }
}

/// <summary>Changes to an existing payment code; absent (null) fields keep their values.</summary>
public sealed record UpdatePaymentCodeRequest
{
    /// <summary>The code to change.</summary>
    public required string PaymentCode { get; init; }

    /// <summary>The code's invoice number, when the merchant wants the gateway to check it.</summary>
    public string? InvoiceNumber { get; init; }

    /// <summary>A new amount in rupiah.</summary>
    public long? Amount { get; init; }

    /// <summary>Minutes until expiry, counted from now; also revives an expired code.</summary>
    public int? ExpiredMinutes { get; init; }

    /// <summary>Whether the code may be paid more than once.</summary>
    public bool? Reusable { get; init; }

    /// <summary>A short text shown at the till.</summary>
    public string? Info { get; init; }

    /// <summary>A new second line for the till (at most 30 characters).</summary>
    public string? Info2 { get; init; }

    /// <summary>A new third line for the till (at most 30 characters).</summary>
    public string? Info3 { get; init; }

    /// <summary>The customer's name (at most 40 characters on update).</summary>
    public string? CustomerName { get; init; }

    /// <summary>The customer's e-mail address.</summary>
    public string? CustomerEmail { get; init; }

    /// <summary>Text printed on the store receipt.</summary>
    public string? ReceiptFooterMessage { get; init; }

    /// <summary>
    /// A new additional_info object (its settlement splits and sub-account are checked again against the net amount);
    /// null keeps the stored one.
    /// </summary>
    public JsonElement? AdditionalInfo { get; init; }
}

/// <summary>A payment code the gateway created (or, when <see cref="Replayed"/>, had created for this call already).</summary>
/// <param name="InvoiceNumber">The invoice the code pays.</param>
/// <param name="PaymentCode">The code the customer reads out at the till.</param>
/// <param name="HowToPayPage">Page with the code, its barcode and the steps to pay; show or send it to the customer.</param>
/// <param name="HowToPayApi">The same instructions as JSON.</param>
/// <param name="CreatedAt">When the code was created.</param>
/// <param name="ExpiresAt">When the code expires.</param>
/// <param name="AdditionalInfo">The request's additional_info, echoed.</param>
/// <param name="RequestId">The Request-Id of the call (its notification's original_request_id).</param>
/// <param name="Replayed">True when the answer is the gateway's replay of an earlier attempt of this call.</param>
public sealed record PaymentCodeCreated(
    string InvoiceNumber,
    string PaymentCode,
    Uri HowToPayPage,
    Uri HowToPayApi,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    JsonElement? AdditionalInfo,
    string RequestId,
    bool Replayed);

/// <summary>A payment code after an update or a cancel.</summary>
/// <param name="InvoiceNumber">The invoice the code pays.</param>
/// <param name="PaymentCode">The code.</param>
/// <param name="CreatedAt">When the code was created.</param>
/// <param name="ExpiresAt">When the code expires (now, or earlier, for a cancelled code).</param>
/// <param name="RequestId">The Request-Id of the call.</param>
/// <param name="Replayed">True when the answer is the gateway's replay of an earlier attempt of this call.</param>
public sealed record PaymentCodeUpdated(
    string InvoiceNumber,
    string PaymentCode,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    string RequestId,
    bool Replayed);

/// <summary>The transaction statuses the check-status call reports.</summary>
public static class TransactionStatus
{
    /// <summary>The code is live and unpaid.</summary>
    public const string Pending = "PENDING";

    /// <summary>The code was paid.</summary>
    public const string Success = "SUCCESS";

    /// <summary>The code was cancelled or its payment reversed.</summary>
    public const string Failed = "FAILED";

    /// <summary>The code expired unpaid.</summary>
    public const string Expired = "EXPIRED";
}

/// <summary>A name/value identifier of a payment (AGENT_ID, AGENT_STORE_ID, AGENT_TRX_ID, ...).</summary>
/// <param name="Name">The identifier's name.</param>
/// <param name="Value">Its value.</param>
public sealed record PaymentIdentifier(string Name, string Value);

/// <summary>The payment that decided an order's status.</summary>
/// <param name="PaymentId">The gateway's payment id.</param>
/// <param name="Identifiers">The store's identifiers of the payment.</param>
/// <param name="PaymentCount">Successful payments so far (reusable codes only).</param>
public sealed record OrderPayment(string PaymentId, IReadOnlyList<PaymentIdentifier> Identifiers, long? PaymentCount);

/// <summary>What became of an invoice: its newest code and transaction status.</summary>
/// <param name="InvoiceNumber">The invoice.</param>
/// <param name="Amount">The amount in rupiah.</param>
/// <param name="Status">One of <see cref="TransactionStatus"/>.</param>
/// <param name="Date">When the status was reached.</param>
/// <param name="OriginalRequestId">The Request-Id of the call that created the code.</param>
/// <param name="PaymentCode">The invoice's newest code.</param>
/// <param name="CreatedAt">When the code was created.</param>
/// <param name="ExpiresAt">When the code expires.</param>
/// <param name="Payment">The payment, when there was one.</param>
public sealed record OrderStatusResult(
    string InvoiceNumber,
    long Amount,
    string Status,
    DateTimeOffset Date,
    string OriginalRequestId,
    string PaymentCode,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    OrderPayment? Payment);
