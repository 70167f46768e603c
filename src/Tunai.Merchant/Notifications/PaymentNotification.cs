using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tunai.Merchant;

/// <summary>An object holding only an id (<c>{"id": "ALFA"}</c>).</summary>
/// <param name="Id">The id.</param>
public sealed record IdRef(string? Id);

/// <summary>The order a notification is about.</summary>
/// <param name="InvoiceNumber">The merchant's invoice number.</param>
/// <param name="Amount">The amount paid, in rupiah.</param>
public sealed record NotificationOrder(string InvoiceNumber, long Amount);

/// <summary>The payment code that was paid.</summary>
/// <param name="PaymentCode">The code.</param>
public sealed record NotificationCodeInfo(string PaymentCode);

/// <summary>The store's identifiers of the payment.</summary>
/// <param name="Identifier">AGENT_ID, AGENT_STORE_ID, AGENT_TRX_ID, ...</param>
public sealed record NotificationPayment(IReadOnlyList<PaymentIdentifier>? Identifier);

/// <summary>What happened.</summary>
/// <param name="Status"><c>SUCCESS</c> for a payment, <c>FAILED</c> for its reversal.</param>
/// <param name="Date">When, UTC ISO-8601.</param>
/// <param name="OriginalRequestId">The Request-Id of the call that created the code.</param>
public sealed record NotificationTransaction(string Status, string? Date, string? OriginalRequestId);

/// <summary>
/// The HTTP notification of an Alfa payment (wire notes section 4), parsed leniently: fields the gateway may
/// add later are ignored, and parts a sender leaves out are null.
/// </summary>
/// <param name="Service">Always ONLINE_TO_OFFLINE.</param>
/// <param name="Acquirer">The store network (ALFA).</param>
/// <param name="Channel">ONLINE_TO_OFFLINE_ALFA.</param>
/// <param name="Order">The order paid.</param>
/// <param name="OnlineToOfflineInfo">The code paid.</param>
/// <param name="OnlineToOfflinePayment">The store's identifiers.</param>
/// <param name="Transaction">What happened.</param>
/// <param name="AdditionalInfo">The code's additional_info.</param>
public sealed record PaymentNotification(
    IdRef? Service,
    IdRef? Acquirer,
    IdRef? Channel,
    NotificationOrder Order,
    NotificationCodeInfo OnlineToOfflineInfo,
    NotificationPayment? OnlineToOfflinePayment,
    NotificationTransaction Transaction,
    JsonElement? AdditionalInfo)
{
    /// <summary>The notification's Request-Id: the same on every redelivery, so use it to drop duplicates.</summary>
    [JsonIgnore]
    public string RequestId { get; init; } = "";

    /// <summary>The invoice number.</summary>
    [JsonIgnore]
    public string InvoiceNumber => Order.InvoiceNumber;

    /// <summary>The payment code.</summary>
    [JsonIgnore]
    public string PaymentCode => OnlineToOfflineInfo.PaymentCode;

    /// <summary>True for a successful payment (not a reversal).</summary>
    [JsonIgnore]
    public bool IsSuccess => string.Equals(Transaction.Status, TransactionStatus.Success, StringComparison.OrdinalIgnoreCase);

    /// <summary>The value of a payment identifier such as AGENT_TRX_ID, or null.</summary>
    public string? Identifier(string name) =>
        OnlineToOfflinePayment?.Identifier?.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.Ordinal))?.Value;
}
