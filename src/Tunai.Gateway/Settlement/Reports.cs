using Microsoft.AspNetCore.Http.Features;
using Tunai.Gateway.Admin;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.PaymentCodes;
using Tunai.Gateway.Ledger;

namespace Tunai.Gateway.Settlement;

/// <summary>A payment or a reversal with its money, as the reports show it; a reversal's amounts are negative.</summary>
public sealed record TransactionReportRow(
    string Kind, string PaymentId, string TrxId, string PaymentCode, string InvoiceNumber, string BusinessDate, string CreatedAt,
    long Gross, long Fee, long? AcquirerCost, long Net, IReadOnlyList<SplitView> Splits);

public sealed record TransactionReport(string ClientId, string From, string To, IReadOnlyList<TransactionReportRow> Transactions);

/// <summary>What a merchant sees of one business day: its own payments and reversals, and its batch once closed.</summary>
public sealed record MerchantSettlementReport(string Date, IReadOnlyList<TransactionReportRow> Transactions, SettlementBatchView? Batch);

/// <summary>
/// Reports read the journal as it was written by <see cref="Postings.Compute"/>: gross, fee and net of each
/// journal transaction, and its payable postings as the splits. Nothing is computed again here.
/// </summary>
public static class Reports
{
    private sealed record Journal
    {
        public long Id { get; init; }
        public string Kind { get; init; } = "";
        public string PaymentId { get; init; } = "";
        public string TrxId { get; init; } = "";
        public string Code { get; init; } = "";
        public string InvoiceNumber { get; init; } = "";
        public string BusinessDate { get; init; } = "";
        public long CreatedAt { get; init; }
        public long Gross { get; init; }
        public long Fee { get; init; }
        public long AcquirerCost { get; init; }
        public long Net { get; init; }
    }

    public static async Task<IReadOnlyList<TransactionReportRow>> TransactionsAsync(DbConnection c, long merchantId, string from, string to, bool withCost)
    {
        var journals = (await c.QueryAsync<Journal>(
            """
            SELECT j.id, j.kind, p.payment_id, p.trx_id, p.code, p.invoice_number, j.business_date, j.created_at,
                j.gross, j.fee, j.acquirer_cost, j.net
            FROM journal_transactions j JOIN payments p ON p.id = j.payment_id
            WHERE j.merchant_id = @merchantId AND j.business_date >= @from AND j.business_date <= @to
            ORDER BY j.id
            """, new { merchantId, from, to })).ToList();
        var payables = (await c.QueryAsync<StoredPosting>(
            """
            SELECT x.journal_id, x.account, x.role, x.split_type, x.payee, x.amount
            FROM postings x JOIN journal_transactions j ON j.id = x.journal_id
            WHERE j.merchant_id = @merchantId AND j.business_date >= @from AND j.business_date <= @to AND x.role = 'PAYABLE'
            ORDER BY x.id
            """, new { merchantId, from, to })).ToLookup(p => p.JournalId);
        return journals.Select(j => new TransactionReportRow(
            j.Kind, j.PaymentId, j.TrxId, j.Code, j.InvoiceNumber, j.BusinessDate,
            WireDates.Utc(DateTimeOffset.FromUnixTimeMilliseconds(j.CreatedAt)),
            j.Gross, j.Fee, withCost ? j.AcquirerCost : null, j.Net,
            payables[j.Id].Select(p => new SplitView(p.Payee ?? "", PaymentJournalEndpoints.PayeeType(p.Account), p.SplitType ?? "", -p.Amount)).ToList())).ToList();
    }

    /// <summary>
    /// One row per payment or reversal, with a header, written by <see cref="Csv"/>; the splits in one field as
    /// <c>payee_type:payee:type:amount</c> joined by <c>|</c>, so gross, fee and net add up down their columns.
    /// </summary>
    public static string Csv(IEnumerable<TransactionReportRow> rows)
    {
        var csv = new StringBuilder("kind,payment_id,trx_id,payment_code,invoice_number,business_date,created_at,gross,fee,acquirer_cost,net,splits\r\n");
        foreach (var r in rows)
        {
            csv.Append(Api.Csv.Row(Api.Csv.Text(r.Kind), Api.Csv.Text(r.PaymentId), Api.Csv.Text(r.TrxId), Api.Csv.Text(r.PaymentCode), Api.Csv.Text(r.InvoiceNumber),
                Api.Csv.Text(r.BusinessDate), Api.Csv.Text(r.CreatedAt),
                Api.Csv.Number(r.Gross), Api.Csv.Number(r.Fee), r.AcquirerCost is { } cost ? Api.Csv.Number(cost) : "", Api.Csv.Number(r.Net),
                Api.Csv.Text(string.Join('|', r.Splits.Select(s => $"{s.PayeeType}:{s.Payee}:{s.Type}:{Api.Csv.Number(s.Amount)}")))));
        }
        return csv.ToString();
    }

    public static bool TryParseDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
}

public static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReports(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/admin/v1/reports").RequireAdminToken().MapGet("/transactions", AdminTransactions);
        // A read, like check status: signed both ways, no Request-Id bookkeeping.
        app.MapGroup("/settlements/v1/reports")
            .RequireMerchantSignature()
            .MapGet("/{date}", MerchantDay);
        return app;
    }

    /// <summary>GET /admin/v1/reports/transactions?client_id=&amp;from=&amp;to=&amp;format=json|csv (a range of at most 92 days).</summary>
    private static async Task<IResult> AdminTransactions(HttpContext http, Database database, string? client_id, string? from, string? to, string? format)
    {
        if (client_id is null)
        {
            return ApiError.Validation("client_id", "client_id is mandatory");
        }
        if (!Reports.TryParseDate(from, out var first))
        {
            return ApiError.Validation("from", "from must be a business day as yyyy-MM-dd");
        }
        if (!Reports.TryParseDate(to, out var last) || last < first || last.DayNumber - first.DayNumber > 92)
        {
            return ApiError.Validation("to", "to must be a business day as yyyy-MM-dd, not before from and at most 92 days after it");
        }
        if (format is not (null or "json" or "csv"))
        {
            return ApiError.Validation("format", "format must be json or csv");
        }
        await using var c = await database.OpenAsync(http.RequestAborted);
        if (await MerchantStore.FindAsync(c, client_id) is not { } merchant)
        {
            return AccountEndpoints.MerchantNotFound(client_id);
        }
        var rows = await Reports.TransactionsAsync(c, merchant.Id, from!, to!, withCost: true);
        return format == "csv"
            ? Results.Bytes(Encoding.UTF8.GetBytes(Reports.Csv(rows)), "text/csv; charset=utf-8", $"transactions-{client_id}-{from}-{to}.csv")
            : WireJson.Ok(new TransactionReport(client_id, from!, to!, rows));
    }

    /// <summary>
    /// GET /settlements/v1/reports/{yyyy-MM-dd}, signed by the merchant like check status and answered signed: its
    /// own payments and reversals of that business day and, once closed, that day's batch with its lines.
    /// </summary>
    private static async Task<IResult> MerchantDay(string date, HttpContext http, Database database)
    {
        var request = http.Features.GetRequiredFeature<MerchantRequest>();
        if (!Reports.TryParseDate(date, out _))
        {
            return ApiError.Validation("date", "date must be a business day (WIB) as yyyy-MM-dd");
        }
        await using var c = await database.OpenAsync(http.RequestAborted);
        var rows = await Reports.TransactionsAsync(c, request.Merchant.Id, date, date, withCost: false);
        var batch = await Settlements.FindAsync(c, Settlements.BatchIdOf(request.Merchant.ClientId, date));
        return WireJson.Ok(new MerchantSettlementReport(date, rows,
            batch is null ? null : SettlementEndpoints.View(batch, await Settlements.LinesAsync(c, batch))));
    }
}
