using Tunai.Gateway.PaymentCodes;
using Tunai.Gateway.Store;

namespace Tunai.Gateway.OrderStatus;

/// <summary>What a status check reads about an invoice: its newest code, the payment that describes it, and how many succeeded.</summary>
public sealed record InvoiceState(PaymentCode Code, Payment? Payment, long SuccessfulPayments);

/// <summary>The SQL of the status check: one statement, so the code and its payments are read at one instant.</summary>
public static class OrderStatusStore
{
    private static readonly string PaymentColumnsOfY = string.Join(", ",
        """
        id, payment_id, payment_code_id, merchant_id, acquirer_id, trx_id, code, invoice_number, amount, status,
        agent_id, store_id, terminal_id, store_date, additional_info, paid_at, reversed_at
        """.Split(',').Select(c => "y." + c.Trim()));

    /// <summary>
    /// The merchant's newest code (highest id) for the invoice, with its latest successful payment or, when none
    /// succeeded, its latest payment; null when the merchant never had a code for this invoice.
    /// </summary>
    public static async Task<InvoiceState?> FindAsync(DbConnection c, long merchantId, string invoiceNumber)
    {
        var rows = await c.QueryAsync<PaymentCode, Payment?, long, InvoiceState>(
            $"""
            SELECT {PaymentCodeStore.ColumnsOfP}, {PaymentColumnsOfY},
                (SELECT count(*) FROM payments s WHERE s.payment_code_id = p.id AND s.status = 'SUCCESS') AS successful_payments
            FROM payment_codes p
            LEFT JOIN payments y ON y.id = (
                SELECT x.id FROM payments x
                WHERE x.payment_code_id = p.id
                ORDER BY CASE WHEN x.status = 'SUCCESS' THEN 1 ELSE 0 END DESC, x.id DESC
                LIMIT 1)
            WHERE p.merchant_id = @merchantId AND p.invoice_number = @invoiceNumber
            ORDER BY p.id DESC
            LIMIT 1
            """,
            (code, payment, successful) => new InvoiceState(code, payment, successful),
            new { merchantId, invoiceNumber },
            splitOn: "id,successful_payments");
        return rows.SingleOrDefault();
    }
}
