using Microsoft.AspNetCore.Http.Features;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.PaymentCodes;


namespace Tunai.Gateway.OrderStatus;

/// <summary>
/// Check status: a merchant that missed notifications asks what became of an invoice. A signed GET (no Digest
/// line), answered with a signed body shaped like the notification.
/// </summary>
public static class OrderStatusEndpoints
{
    public static IEndpointRouteBuilder MapOrderStatus(this IEndpointRouteBuilder app)
    {
        // A read: no Request-Id bookkeeping, so no idempotency filter. The catch-all takes invoice numbers
        // holding '/' (INV/2026/11/0001 is a common format).
        app.MapGroup("/orders/v1/status")
            .RequireMerchantSignature()
            .MapGet("/{**invoice_number}", Status);
        return app;
    }

    private static async Task<IResult> Status(HttpContext http, Database database, TimeProvider time, string? invoice_number)
    {
        var request = http.Features.GetRequiredFeature<MerchantRequest>();
        var invoice = invoice_number ?? "";
        await using var connection = await database.OpenAsync(http.RequestAborted);
        // Another merchant's invoice is as unknown as one that never existed: the query is per merchant.
        var state = invoice.Length == 0 ? null : await OrderStatusStore.FindAsync(connection, request.Merchant.Id, invoice);
        if (state is null)
        {
            return ApiError.NotFound("order_not_found", $"No payment code was ever made for invoice {invoice}");
        }
        return WireJson.Ok(Describe(state, time.GetUtcNow()));
    }

    /// <summary>
    /// The status at <paramref name="now"/>: money taken wins over everything, then cancel, then expiry. A reversed
    /// payment is no status of its own: the reversal made the code payable again, so it is PENDING (dated at the
    /// reversal) until it expires, is paid again or is cancelled; unless it did not reopen the code (registered again
    /// since), then FAILED.
    /// </summary>
    public static OrderStatusResponse Describe(InvoiceState state, DateTimeOffset now)
    {
        var (code, payment) = (state.Code, state.Payment);
        var (status, date) = payment switch
        {
            // A successful payment is reported even on a reusable code cancelled since: the money was taken.
            { Status: "SUCCESS" } => (TransactionStatus.Success, payment.PaidAt),
            // The provider's statuses have no CANCELLED: a cancelled code is a FAILED transaction, dated at the cancel.
            _ when code.Status == CodeStatus.Cancelled && code.CancelledAt is { } cancelledAt => (TransactionStatus.Failed, cancelledAt),
            // A reversal that left its life paid (the code was registered again since, so the reversal did not reopen
            // it): that bill can never be paid again, a FAILED transaction dated at the reversal.
            { Status: "REVERSED", ReversedAt: { } reversedAt } when code.Status == CodeStatus.Paid => (TransactionStatus.Failed, reversedAt),
            _ when code.StatusAt(now) == CodeStatus.Expired => (TransactionStatus.Expired, code.ExpiresAt),
            { Status: "REVERSED", ReversedAt: { } reversedAt } => (TransactionStatus.Pending, reversedAt),
            _ => (TransactionStatus.Pending, code.CreatedAt),
        };
        return new OrderStatusResponse(
            new StatusOrder(code.InvoiceNumber, code.Amount),
            new StatusTransaction(status, WireDates.Utc(DateTimeOffset.FromUnixTimeMilliseconds(date)), code.RequestId),
            new IdOnly("ONLINE_TO_OFFLINE"),
            new IdOnly("ALFA"),
            new IdOnly("ONLINE_TO_OFFLINE_ALFA"),
            new StatusCodeInfo(code.Code,
                WireDates.Wib14(code.Created), WireDates.Wib14(code.Expires),
                WireDates.Utc(code.Created), WireDates.Utc(code.Expires)),
            payment is null ? null : new StatusPayment(payment.PaymentId,
                [
                    new PaymentIdentifier("AGENT_ID", payment.AgentId),
                    new PaymentIdentifier("AGENT_STORE_ID", payment.StoreId),
                    new PaymentIdentifier("AGENT_TRX_ID", payment.TrxId),
                ],
                code.Reusable ? state.SuccessfulPayments : null));
    }
}
