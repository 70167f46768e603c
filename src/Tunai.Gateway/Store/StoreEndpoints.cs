using Tunai.Gateway.Acquirers;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.PaymentCodes;

namespace Tunai.Gateway.Store;

/// <summary>
/// The store side, used by the Alfa POS network: inquiry, payment and reversal, one file each
/// (<see cref="InquiryEndpoint"/>, <see cref="PaymentEndpoint"/>, <see cref="ReversalEndpoint"/>). This is where money moves.
/// </summary>
public static class StoreEndpoints
{
    /// <summary>Where the store's operations live, each at its name below: said once for the routes, their docs and the back office's simulator.</summary>
    public const string Route = "/acquirer/v1/alfa";

    public static IEndpointRouteBuilder MapStore(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Route)
            .RequireStoreSignature()
            .AddEndpointFilter<RetryTransientFailures>();
        group.MapPost("/inquiry", InquiryEndpoint.HandleAsync);
        group.MapPost("/payment", PaymentEndpoint.HandleAsync);
        group.MapPost("/reversal", ReversalEndpoint.HandleAsync);
        return app;
    }
}

/// <summary>What the till is told, built the same way for inquiry and payment, for a code Tunai generated or a direct-inquiry bill.</summary>
public static class StoreAnswers
{
    /// <summary>
    /// The refusal of every code of a disabled merchant, whatever its state: a decline that says why, so the till
    /// shows something the customer can act on (ask the merchant) rather than "unknown code".
    /// </summary>
    public static readonly (string Status, string Message) MerchantNotActive =
        (StoreOutcome.Decline, "The merchant of this payment code is not active; it cannot be paid now");

    /// <summary><see cref="MerchantNotActive"/> when the code's merchant is disabled, else null.</summary>
    public static (string Status, string Message)? RefuseDisabled(Merchant? merchant) =>
        merchant is { IsDisabled: true } ? MerchantNotActive : null;

    /// <summary>Why a code cannot be paid now (with this amount, for a payment), or null when it can.</summary>
    public static (string Status, string Message)? Refuse(PaymentCode code, long? amount, DateTimeOffset now) => code.StatusAt(now) switch
    {
        CodeStatus.Paid => (StoreOutcome.AlreadyPaid, "The payment code has already been paid"),
        CodeStatus.Cancelled => (StoreOutcome.Decline, "The merchant cancelled this payment code"),
        CodeStatus.Expired => (StoreOutcome.Expired, $"The payment code expired at {WireDates.Utc(code.Expires)}"),
        _ when amount is not null && amount != code.Amount => (StoreOutcome.Decline, $"The amount must be exactly {code.Amount} (closed amount)"),
        _ => null,
    };

    public static InquiryResponse Success(PaymentCode code) => new(
        new StoreStatus(StoreOutcome.Success),
        new StoreOrder(code.InvoiceNumber, code.Amount),
        CodeInfo(code),
        new StoreCustomer(code.CustomerName),
        Insurance(code),
        Alfa(code));

    public static PaymentResponse Paid(PaymentCode code, string paymentId) => new(
        new PaymentStatus(StoreOutcome.Success, paymentId),
        new StoreOrder(code.InvoiceNumber, code.Amount),
        CodeInfo(code),
        new StoreCustomer(code.CustomerName),
        Insurance(code),
        Alfa(code));

    public static InquiryResponse Refusal(string paymentCode, string status, string? message) =>
        new(new StoreStatus(status, message), null, new StoreCodeInfo(paymentCode));

    public static PaymentResponse PaymentRefusal(string paymentCode, string status, string? message) =>
        new(new PaymentStatus(status, Message: message), null, new StoreCodeInfo(paymentCode));

    /// <summary>info, info2 and info3: the merchant's lines on the till's screen, wherever info goes.</summary>
    private static StoreCodeInfo CodeInfo(PaymentCode code) => new(code.Code, code.Info, code.Info2, code.Info3);

    /// <summary>Insurance data for the screen and the receipt (reference, "Insurance Data").</summary>
    private static StoreAdditionalInfo? Insurance(PaymentCode code)
    {
        if (code.InsuranceInfo is null)
        {
            return null;
        }
        using var document = JsonDocument.Parse(code.InsuranceInfo);
        return new StoreAdditionalInfo(document.RootElement.Clone());
    }

    private static AlfaInfo? Alfa(PaymentCode code) => code.FooterMessage is null ? null : new AlfaInfo(new Receipt(code.FooterMessage));

    public static PaymentStore.StoreEvent Event(Acquirer a, string kind, StoreRequest r, string outcome, string? reason, string? paymentId, byte[] body, long at) =>
        new(a.Id, kind, r.PaymentCode, r.TrxId, r.AgentId, r.StoreId, r.TerminalId, outcome, reason, paymentId, Encoding.UTF8.GetString(body), at);
}
