using System.Text.Json.Nodes;
using Tunai.Signing;

namespace Tunai.Gateway.Snap;

/// <summary>
/// The SNAP bodies Tunai sends a merchant: the payment notification in the <c>transfer-va/payment</c> shape and the
/// direct inquiry in the <c>transfer-va/inquiry</c> shape (SNAP-NOTES §3), written as <c>JSON.stringify</c> writes
/// them (<see cref="SnapResult.Bytes"/>). A notification's body is made from its stored row and the rows of its
/// payment, with nothing that changes between attempts, so every attempt and every replay sends the same bytes.
/// </summary>
public static class SnapMerchantMessages
{
    private static readonly TimeSpan Wib = TimeSpan.FromHours(7);

    /// <summary>channelCode: the merchant category code of the store the customer paid at (5411, grocery stores).</summary>
    public const int ChannelCode = 5411;

    /// <summary>partnerServiceId: the merchant's prefix left-padded with spaces to 8 characters, as the provider's SDK checks it.</summary>
    public static string PartnerServiceId(string prefix) => prefix.PadLeft(8);

    public static JsonObject Amount(long amount) => new()
    {
        ["value"] = amount.ToString(CultureInfo.InvariantCulture) + ".00",
        ["currency"] = "IDR",
    };

    public static string Time(DateTimeOffset at) => SnapSignature.FormatTimestamp(at.ToOffset(Wib));

    private sealed record PaidCode
    {
        public string Code { get; init; } = "";
        public string CodePrefix { get; init; } = "";
        public string InvoiceNumber { get; init; } = "";
        public long Amount { get; init; }
        public string TrxId { get; init; } = "";
        public string AgentId { get; init; } = "";
        public string StoreId { get; init; } = "";
        public long PaidAt { get; init; }
        public string CustomerName { get; init; } = "";
        public string? CustomerEmail { get; init; }
    }

    /// <summary>
    /// The <c>transfer-va/payment</c> body of a notification: the code as a virtual account, the amount paid, the
    /// store's transaction as <c>referenceNo</c>, the code's Request-Id (for a direct-inquiry code, the inquiry's
    /// <c>inquiryRequestId</c>) as <c>paymentRequestId</c>, and in <c>additionalInfo</c> the event: <c>PAID</c>, or
    /// <c>REVERSED</c> when the store reversed the payment.
    /// </summary>
    /// <param name="database">Where the payment and its code are read.</param>
    /// <param name="paymentRowId">The notification's payment (<c>notifications.payment_id</c>).</param>
    /// <param name="event">The notification's event: SUCCESS or FAILED.</param>
    /// <param name="alfaBody">The notification's stored body, in the Alfa O2O form.</param>
    /// <param name="ct">Cancels the read.</param>
    public static async Task<byte[]> PaymentAsync(Database database, long paymentRowId, string @event, byte[] alfaBody, CancellationToken ct)
    {
        PaidCode paid;
        await using (var connection = await database.OpenAsync(ct))
        {
            paid = await connection.QuerySingleAsync<PaidCode>(
                """
                SELECT p.code, m.code_prefix, p.invoice_number, p.amount, p.trx_id, p.agent_id, p.store_id, p.paid_at,
                       c.customer_name, c.customer_email
                FROM payments p JOIN payment_codes c ON c.id = p.payment_code_id JOIN merchants m ON m.id = p.merchant_id
                WHERE p.id = @id
                """, new { id = paymentRowId });
        }
        using var alfa = JsonDocument.Parse(alfaBody);
        var transaction = alfa.RootElement.GetProperty("transaction");
        var partnerServiceId = PartnerServiceId(paid.CodePrefix);
        var customerNo = paid.Code[paid.CodePrefix.Length..];
        var body = new JsonObject
        {
            ["partnerServiceId"] = partnerServiceId,
            ["customerNo"] = customerNo,
            ["virtualAccountNo"] = partnerServiceId + customerNo,
            ["virtualAccountName"] = paid.CustomerName,
            ["virtualAccountEmail"] = paid.CustomerEmail,
            ["trxId"] = paid.InvoiceNumber,
            ["paymentRequestId"] = transaction.GetProperty("original_request_id").GetString(),
            ["channelCode"] = ChannelCode,
            ["paidAmount"] = Amount(paid.Amount),
            ["totalAmount"] = Amount(paid.Amount),
            ["trxDateTime"] = Time(DateTimeOffset.FromUnixTimeMilliseconds(paid.PaidAt)),
            ["referenceNo"] = paid.TrxId,
            ["flagAdvise"] = "N",
            ["additionalInfo"] = new JsonObject
            {
                ["channel"] = SnapOutbound.ChannelId,
                ["acquirer"] = new JsonObject { ["id"] = Store.AlfaChannel.AcquirerId },
                ["trxStatus"] = @event == "SUCCESS" ? "PAID" : "REVERSED",
                ["eventDateTime"] = Time(DateTimeOffset.Parse(transaction.GetProperty("date").GetString()!, CultureInfo.InvariantCulture)),
                ["agentId"] = paid.AgentId,
                ["storeId"] = paid.StoreId,
            },
        };
        return SnapResult.Bytes(body);
    }

    /// <summary>The <c>transfer-va/inquiry</c> body of a direct inquiry: the code as a virtual account and the store asking.</summary>
    public static byte[] Inquiry(string codePrefix, string paymentCode, string inquiryRequestId, DirectInquiry.StoreContext store)
    {
        var partnerServiceId = PartnerServiceId(codePrefix);
        var customerNo = paymentCode[codePrefix.Length..];
        var additional = new JsonObject
        {
            ["channel"] = SnapOutbound.ChannelId,
            ["acquirer"] = new JsonObject { ["id"] = Store.AlfaChannel.AcquirerId },
            ["agentId"] = store.AgentId,
            ["storeId"] = store.StoreId,
        };
        if (store.TerminalId is not null)
        {
            additional["terminalId"] = store.TerminalId;
        }
        additional["storeTrxId"] = store.TrxId;
        return SnapResult.Bytes(new JsonObject
        {
            ["partnerServiceId"] = partnerServiceId,
            ["customerNo"] = customerNo,
            ["virtualAccountNo"] = partnerServiceId + customerNo,
            ["trxDateInit"] = Time(store.Date),
            ["channelCode"] = ChannelCode,
            ["language"] = "ID",
            ["inquiryRequestId"] = inquiryRequestId,
            ["additionalInfo"] = additional,
        });
    }
}
