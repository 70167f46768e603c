using Tunai.Gateway.Merchants;
using Tunai.Gateway.PaymentCodes;
using Tunai.Gateway.Store;

namespace Tunai.Gateway.DirectInquiry;

/// <summary>
/// Keeps a merchant's direct-inquiry answer as the code's bill (kind DIPC), so the payment that follows is checked
/// against it and its notification carries what the merchant said: the same fields as a code Tunai generated
/// (info lines, insurance data, footer message, additional_info), and as original_request_id the Request-Id of the
/// inquiry the gateway forwarded.
/// </summary>
public static class DirectInquiryBills
{
    public static async Task<(InquiryResponse Answer, string? Reason)> RegisterAsync(
        Database database, Merchant owner, string paymentCode, DirectInquiryAnswer merchantAnswer, TunaiOptions options, DateTimeOffset now, CancellationToken ct)
    {
        if (merchantAnswer.Status != StoreOutcome.Success)
        {
            return (StoreAnswers.Refusal(paymentCode, merchantAnswer.Status, merchantAnswer.Reason), merchantAnswer.Reason);
        }
        var at = now.ToUnixTimeMilliseconds();
        return await database.WriteAsync<(InquiryResponse, string?)>(async unit =>
        {
            var (connection, tx) = (unit.Connection, unit.Transaction);
            PaymentCode? stored;
            try
            {
                stored = await UpsertAsync(connection, tx, new PaymentCode
                {
                    MerchantId = owner.Id,
                    Code = paymentCode,
                    Kind = "DIPC",
                    InvoiceNumber = merchantAnswer.InvoiceNumber!,
                    Amount = merchantAnswer.Amount!.Value,
                    Status = CodeStatus.Active,
                    Info = merchantAnswer.Info,
                    Info2 = merchantAnswer.Info2,
                    Info3 = merchantAnswer.Info3,
                    CustomerName = merchantAnswer.CustomerName!,
                    CustomerEmail = merchantAnswer.CustomerEmail,
                    FooterMessage = merchantAnswer.FooterMessage,
                    InsuranceInfo = merchantAnswer.InsuranceInfo,
                    AdditionalInfo = merchantAnswer.AdditionalInfo,
                    RequestId = merchantAnswer.RequestId!,
                    HowToPayToken = Convert.ToHexString(RandomNumberGenerator.GetBytes(12)),
                    CreatedAt = at,
                    ExpiresAt = at + (long)options.Store.DirectInquiryValidity.TotalMilliseconds,
                    UpdatedAt = at,
                });
            }
            catch (Exception e) when (Database.IsUniqueViolation(e))
            {
                const string why = "The merchant answered with an invoice number that another live code of theirs holds";
                return (StoreAnswers.Refusal(paymentCode, StoreOutcome.Decline, why), why);
            }
            if (stored is null)
            {
                if (await PaymentCodeStore.FindByCodeAsync(connection, paymentCode, tx) is { Kind: "DIPC", Status: CodeStatus.Paid } paid
                    && paid.InvoiceNumber == merchantAnswer.InvoiceNumber)
                {
                    var already = $"Invoice {paid.InvoiceNumber} has already been paid";
                    return (StoreAnswers.Refusal(paymentCode, StoreOutcome.AlreadyPaid, already), already);
                }
                const string why = "The code belongs to a code the gateway issued, not to direct inquiry";
                return (StoreAnswers.Refusal(paymentCode, StoreOutcome.Decline, why), why);
            }
            unit.Commit();
            return (StoreAnswers.Success(stored), null);
        }, ct);
    }

    /// <summary>
    /// Stores the merchant's answer as the code's bill, payable until its expires_at. Null, and nothing changed,
    /// when the code is one the gateway issued itself, or when the answer is a bill already paid here (the
    /// merchant may answer it again before the payment's notification reaches it).
    /// </summary>
    private static Task<PaymentCode?> UpsertAsync(DbConnection c, DbTransaction tx, PaymentCode p) =>
        c.QuerySingleOrDefaultAsync<PaymentCode>(
            $"""
            INSERT INTO payment_codes (merchant_id, code, kind, invoice_number, amount, status, reusable, info, info2, info3,
                customer_name, customer_email, footer_message, insurance_info, additional_info, request_id, how_to_pay_token,
                created_at, expires_at, updated_at)
            VALUES (@MerchantId, @Code, 'DIPC', @InvoiceNumber, @Amount, 'ACTIVE', 0, @Info, @Info2, @Info3,
                @CustomerName, @CustomerEmail, @FooterMessage, @InsuranceInfo, @AdditionalInfo, @RequestId, @HowToPayToken,
                @CreatedAt, @ExpiresAt, @UpdatedAt)
            ON CONFLICT (code, life) DO UPDATE SET
                invoice_number = excluded.invoice_number, amount = excluded.amount, status = 'ACTIVE', info = excluded.info,
                info2 = excluded.info2, info3 = excluded.info3,
                customer_name = excluded.customer_name, customer_email = excluded.customer_email,
                footer_message = excluded.footer_message, insurance_info = excluded.insurance_info,
                additional_info = excluded.additional_info, request_id = excluded.request_id,
                expires_at = excluded.expires_at, updated_at = excluded.updated_at, paid_at = NULL
            WHERE payment_codes.kind = 'DIPC' AND payment_codes.merchant_id = excluded.merchant_id
                AND NOT (payment_codes.status = 'PAID' AND payment_codes.invoice_number = excluded.invoice_number)
            RETURNING {PaymentCodeStore.Columns}
            """, p, tx);
}
