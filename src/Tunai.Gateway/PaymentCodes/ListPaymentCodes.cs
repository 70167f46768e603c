using Microsoft.AspNetCore.Mvc;
using Tunai.Gateway.Merchants;

namespace Tunai.Gateway.PaymentCodes;

/// <summary>The admin API's list of payment codes, newest first, filtered and keyset-paged.</summary>
public static class ListPaymentCodes
{
    public static async Task<IResult> HandleAsync(
        HttpContext http, Database database, TimeProvider time,
        [FromQuery(Name = "client_id")] string? clientId, string? status, [FromQuery(Name = "invoice_number")] string? invoiceNumber, int? limit, string? cursor)
    {
        if (status is not null && !CodeStatus.All.Contains(status.ToUpperInvariant()))
        {
            return ApiError.Validation("status", $"status must be one of {string.Join(", ", CodeStatus.All)}");
        }
        if (limit is < 1 or > 500)
        {
            return ApiError.Validation("limit", "limit must be between 1 and 500");
        }
        long? before = null;
        if (cursor is not null)
        {
            if (!long.TryParse(cursor, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var b))
            {
                return ApiError.Validation("cursor", "cursor must be a next_cursor value from a previous page");
            }
            before = b;
        }
        await using var connection = await database.OpenAsync(http.RequestAborted);
        long? merchantId = null;
        if (clientId is not null)
        {
            var merchant = await MerchantStore.FindAsync(connection, clientId);
            if (merchant is null)
            {
                return ApiError.NotFound("merchant_not_found", $"No merchant has Client-Id {clientId}");
            }
            merchantId = merchant.Id;
        }
        var now = time.GetUtcNow();
        var take = limit ?? 50;
        var rows = await PaymentCodeStore.ListAsync(connection,
            new PaymentCodeStore.ListFilter(merchantId, status?.ToUpperInvariant(), invoiceNumber, before, take + 1),
            now.ToUnixTimeMilliseconds());
        var page = rows.Take(take).Select(r => new PaymentCodeListItem(
            r.ClientId, r.Code.Code, r.Code.Kind, r.Code.InvoiceNumber, r.Code.Amount, r.Code.StatusAt(now),
            r.Code.Reusable, r.Code.CustomerName, r.Code.CustomerEmail, r.Code.Info, r.Code.RequestId,
            WireDates.Utc(r.Code.Created), WireDates.Utc(r.Code.Expires),
            r.Code.PaidAt is { } p ? WireDates.Utc(DateTimeOffset.FromUnixTimeMilliseconds(p)) : null,
            r.Code.CancelledAt is { } x ? WireDates.Utc(DateTimeOffset.FromUnixTimeMilliseconds(x)) : null)).ToList();
        var next = rows.Count > take ? rows[take - 1].Code.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        return WireJson.Ok(new PaymentCodeList(page, next));
    }
}
