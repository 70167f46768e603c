using Tunai.Gateway.Merchants;

namespace Tunai.Gateway.PaymentCodes;

/// <summary>
/// Creating, updating and cancelling a code inside a caller's unit of writes, whichever protocol asked (the Alfa
/// O2O endpoints and SNAP call the same functions): the rules live here once, the wire forms in the endpoints.
/// A refusal is an <see cref="ApiError"/> whose <c>Code</c> says which rule refused; a SNAP caller maps it.
/// </summary>
public static class PaymentCodeOperations
{
    /// <summary>The row a create inserts (for a DGPC its code is drawn by <see cref="CreateAsync"/>).</summary>
    public static PaymentCode NewCode(Merchant merchant, CreateCommand c, string requestId, long createdAt, long expiresAt) => new()
    {
        MerchantId = merchant.Id,
        Code = c.PaymentCode ?? "",
        Kind = c.PaymentCode is null ? "DGPC" : "MGPC",
        InvoiceNumber = c.InvoiceNumber,
        Amount = c.Amount,
        Status = CodeStatus.Active,
        Reusable = c.Reusable,
        Info = c.Info,
        Info2 = c.Info2,
        Info3 = c.Info3,
        CustomerName = c.CustomerName,
        CustomerEmail = c.CustomerEmail,
        FooterMessage = c.FooterMessage,
        InsuranceInfo = c.InsuranceInfo,
        AccountId = c.AccountId,
        Settlement = c.Settlement,
        OverrideNotificationUrl = c.OverrideNotificationUrl,
        AdditionalInfo = c.AdditionalInfo?.GetRawText(),
        RequestId = requestId,
        HowToPayToken = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_'),
        CreatedAt = createdAt,
        ExpiresAt = expiresAt,
        UpdatedAt = createdAt,
    };

    /// <summary>Inserts <paramref name="code"/> (drawing a DGPC's digits) with its fee; the stored code, or the refusal.</summary>
    public static async Task<(PaymentCode? Code, ApiError? Refused)> CreateAsync(
        WriteUnit unit, TunaiOptions options, Merchant merchant, CreateCommand c, PaymentCode code)
    {
        var (connection, tx) = (unit.Connection, unit.Transaction);
        (PaymentCode Code, Fees.FeeSchedule Fee)? inserted = null;
        var expiredChecked = false;
        for (var attempt = 0; inserted is null && attempt < 10; attempt++)
        {
            var candidate = c.PaymentCode is null
                ? code with { Code = CodeGenerator.Generate(merchant.CodePrefix, options.PaymentCodes.GeneratedLength) }
                : code;
            inserted = await PaymentCodeStore.InsertAsync(unit, candidate);
            // A conflict, told apart only now: the merchant's own code is taken (registered again as its next life
            // when the latest is over, refused while it is live); a code past its expiry that nothing marked yet
            // holds the invoice (marked EXPIRED, which frees it, and tried again); a live code holds it; or a drawn
            // code is taken (another is drawn: a drawn code is never one any code ever had).
            if (inserted is null && c.PaymentCode is not null && await PaymentCodeStore.CodeTakenAsync(connection, tx, c.PaymentCode))
            {
                inserted = await PaymentCodeStore.RegisterAgainAsync(unit, candidate);
                if (inserted is null && await PaymentCodeStore.FindByCodeAsync(connection, c.PaymentCode, tx) is { } latest
                    && (latest.MerchantId != merchant.Id || latest.Kind != "MGPC" || latest.Status == CodeStatus.Active))
                {
                    return (null, new ApiError(StatusCodes.Status400BadRequest, "payment_code_in_use",
                        latest.MerchantId == merchant.Id && latest.Kind == "MGPC"
                            ? $"Payment code {c.PaymentCode} is registered and live until {WireDates.Utc(latest.Expires)}; it can be registered " +
                                "again once it is paid (unless reusable), cancelled or expired"
                            : $"Payment code {c.PaymentCode} is already registered and is not one of your own codes that can be registered again",
                        "online_to_offline_info.payment_code"));
                }
            }
            if (inserted is not null)
            {
                break;
            }
            if (!expiredChecked)
            {
                expiredChecked = true;
                if (await PaymentCodeStore.ExpireInvoiceAsync(connection, tx, merchant.Id, c.InvoiceNumber, code.CreatedAt) > 0)
                {
                    continue;
                }
            }
            if (await PaymentCodeStore.InvoiceHeldAsync(connection, tx, merchant.Id, c.InvoiceNumber))
            {
                return (null, new ApiError(StatusCodes.Status400BadRequest, "invoice_number_in_use",
                    $"Invoice {c.InvoiceNumber} already has a payment code that is active or paid; cancel it first or use another invoice number",
                    "order.invoice_number"));
            }
        }
        if (inserted is null)
        {
            throw new InvalidOperationException("Could not draw a free payment code in 10 attempts; the prefix's code space is nearly full");
        }
        var (stored, fee) = inserted.Value;
        return await Settlement.CodeMoney.AcceptNewAsync(unit, stored, fee) is { } refused ? (null, refused) : (stored, null);
    }

    /// <summary>
    /// Updates or cancels (<see cref="UpdateCommand.Cancel"/>) the merchant's code; <paramref name="expiresAt"/> is the
    /// new expiry, if any. The changed code, or the refusal.
    /// </summary>
    public static async Task<(PaymentCode? Code, ApiError? Refused)> UpdateAsync(
        WriteUnit unit, Merchant merchant, UpdateCommand u, long? expiresAt, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var (connection, tx) = (unit.Connection, unit.Transaction);
        var current = await PaymentCodeStore.FindAsync(connection, merchant.Id, u.PaymentCode, tx);
        if (current is null)
        {
            return (null, new ApiError(StatusCodes.Status404NotFound, "payment_code_not_found",
                $"Payment code {u.PaymentCode} does not exist for this merchant", "online_to_offline_info.payment_code"));
        }
        if (u.InvoiceNumber is not null && u.InvoiceNumber != current.InvoiceNumber)
        {
            return (null, ApiError.Validation("order.invoice_number",
                $"order.invoice_number must be the code's invoice number ({current.InvoiceNumber})"));
        }
        if (!u.Cancel && expiresAt is null && current.StatusAt(now) == CodeStatus.Expired)
        {
            return (null, new ApiError(StatusCodes.Status400BadRequest, "payment_code_expired",
                $"Payment code {u.PaymentCode} has expired; send online_to_offline_info.expired_time to extend it",
                "online_to_offline_info.expired_time"));
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
                changed = await PaymentCodeStore.UpdateAsync(connection, tx, current, u, expiresAt, nowMs);
            }
            catch (Exception e) when (Database.IsUniqueViolation(e))
            {
                return (null, new ApiError(StatusCodes.Status400BadRequest, "invoice_number_in_use",
                    $"Invoice {current.InvoiceNumber} now has another live payment code; this one cannot be reactivated",
                    "order.invoice_number"));
            }
            current = changed is null ? await CancelPaymentCode.LatestAsync(unit, current) : current;
        }
        if (changed is null)
        {
            // Lost to a payment or a cancel: the code as it is now says which.
            var state = current.Status == CodeStatus.Paid ? "paid" : "cancelled";
            return (null, new ApiError(StatusCodes.Status400BadRequest, $"payment_code_{state}",
                $"Payment code {u.PaymentCode} is {state} and can no longer be {(u.Cancel ? "cancelled" : "updated")}",
                "online_to_offline_info.payment_code"));
        }
        // The splits (new or kept) against the amount (new or kept) and the fee the code was sold at: the field
        // named is the one this request changed.
        var settlementGiven = (u.AdditionalInfo?.Settlement ?? FieldChange.Keep).Given;
        if (!u.Cancel && await Settlement.CodeMoney.RecheckAsync(unit, changed,
                u.Amount is null || settlementGiven ? Settlement.CodeMoney.SettlementField : "order.amount") is { } refused)
        {
            return (null, refused);
        }
        return (changed, null);
    }
}
