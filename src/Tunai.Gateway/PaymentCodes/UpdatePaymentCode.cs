using Microsoft.AspNetCore.Http.Features;
using Tunai.Gateway.Api;
using Tunai.Gateway.Idempotency;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Storage;

namespace Tunai.Gateway.PaymentCodes;

/// <summary>
/// A merchant changes a code that is neither paid nor cancelled (amount, expiry, texts, additional_info), or cancels
/// it (<see cref="CancelPaymentCode"/>, the back office's cancel too).
/// </summary>
public static class UpdatePaymentCode
{
    public static async Task<IResult> HandleAsync(HttpContext http, Database database, TimeProvider time)
    {
        var request = http.Features.GetRequiredFeature<MerchantRequest>();
        var key = http.Features.GetRequiredFeature<RequestKey>();
        if (RequestBody.ParseObject(request.Body!, out var document) is { } malformed)
        {
            return malformed;
        }
        using (document)
        {
            var (command, error) = PaymentCodeRequests.ParseUpdate(document!.RootElement, request.Merchant);
            if (error is not null)
            {
                return error;
            }
            var u = command!;
            var now = time.GetUtcNow();
            var nowMs = now.ToUnixTimeMilliseconds();

            return await database.WriteAsync<IResult>(async unit =>
            {
                if (await key.ClaimAsync(unit) is { } answered)
                {
                    return answered;
                }
                var (connection, tx) = (unit.Connection, unit.Transaction);
                var current = await PaymentCodeStore.FindAsync(connection, request.Merchant.Id, u.PaymentCode, tx);
                if (current is null)
                {
                    return new ApiError(StatusCodes.Status404NotFound, "payment_code_not_found",
                        $"Payment code {u.PaymentCode} does not exist for this merchant", "online_to_offline_info.payment_code");
                }
                if (u.InvoiceNumber is not null && u.InvoiceNumber != current.InvoiceNumber)
                {
                    return ApiError.Validation("order.invoice_number",
                        $"order.invoice_number must be the code's invoice number ({current.InvoiceNumber})");
                }
                if (!u.Cancel && u.ExpiredMinutes is null && current.StatusAt(now) == CodeStatus.Expired)
                {
                    return new ApiError(StatusCodes.Status400BadRequest, "payment_code_expired",
                        $"Payment code {u.PaymentCode} has expired; send online_to_offline_info.expired_time to extend it",
                        "online_to_offline_info.expired_time");
                }

                PaymentCode? changed;
                if (u.Cancel)
                {
                    var cancel = await CancelPaymentCode.RunAsync(unit, current, nowMs, auditAs: null);
                    changed = cancel.Outcome == CancelPaymentCode.Outcome.Cancelled ? cancel.Code : null;
                    current = cancel.Code ?? current;
                }
                else
                {
                    try
                    {
                        changed = await PaymentCodeStore.UpdateAsync(connection, tx, current, u,
                            u.ExpiredMinutes is { } minutes ? nowMs + minutes * 60_000L : null, nowMs);
                    }
                    catch (Exception e) when (Database.IsUniqueViolation(e))
                    {
                        return new ApiError(StatusCodes.Status400BadRequest, "invoice_number_in_use",
                            $"Invoice {current.InvoiceNumber} now has another live payment code; this one cannot be reactivated",
                            "order.invoice_number");
                    }
                    current = changed is null ? await CancelPaymentCode.LatestAsync(unit, current) : current;
                }
                if (changed is null)
                {
                    // Lost to a payment or a cancel: the code as it is now says which.
                    var state = current.Status == CodeStatus.Paid ? "paid" : "cancelled";
                    return new ApiError(StatusCodes.Status400BadRequest, $"payment_code_{state}",
                        $"Payment code {u.PaymentCode} is {state} and can no longer be {(u.Cancel ? "cancelled" : "updated")}",
                        "online_to_offline_info.payment_code");
                }
                // The splits (new or kept) against the amount (new or kept) and the fee the code was sold at: the field
                // named is the one this request changed.
                var settlementGiven = (u.AdditionalInfo?.Settlement ?? FieldChange.Keep).Given;
                if (!u.Cancel && await Settlement.CodeMoney.RecheckAsync(unit, changed,
                        u.Amount is null || settlementGiven ? Settlement.CodeMoney.SettlementField : "order.amount") is { } refused)
                {
                    return refused;
                }

                var body = WireJson.Serialize(new UpdateResponse(
                    new OrderRef(changed.InvoiceNumber),
                    new UpdatedCodeInfo(changed.Code,
                        WireDates.Wib14(changed.Created), WireDates.Wib14(changed.Expires),
                        WireDates.Utc(changed.Created), WireDates.Utc(changed.Expires))));
                await key.CompleteAsync(unit, StatusCodes.Status200OK, body);
                unit.Commit();
                return new JsonBytesResult(StatusCodes.Status200OK, body);
            }, http.RequestAborted);
        }
    }
}
