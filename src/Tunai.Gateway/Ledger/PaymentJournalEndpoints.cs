using Tunai.Gateway.Admin;
using Tunai.Gateway.PaymentCodes;

namespace Tunai.Gateway.Ledger;

public sealed record SplitView(string Payee, string PayeeType, string Type, long Amount);

public sealed record PostingView(string Account, string Role, long Amount);

public sealed record JournalView(long Id, string Kind, string BusinessDate, string CreatedAt, long Gross, long Fee, long AcquirerCost, long Net,
    IReadOnlyList<PostingView> Postings);

/// <summary>A payment with its money: gross, fee, net, what each payee gets, and its journal transactions.</summary>
public sealed record PaymentView(
    string PaymentId, string ClientId, string Acquirer, string PaymentCode, string InvoiceNumber, string TrxId, string Status,
    string PaidAt, string? ReversedAt, long Gross, long Fee, long AcquirerCost, long Net,
    IReadOnlyList<SplitView> Splits, IReadOnlyList<JournalView> Journal);

/// <summary><c>GET /admin/v1/payments/{payment_id}</c>.</summary>
public static class PaymentJournalEndpoints
{
    /// <summary>The ledger's routes: a payment with its journal.</summary>
    public static IEndpointRouteBuilder MapLedger(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/admin/v1/payments").RequireAdminToken().MapGet("/{paymentId}", Get);
        return app;
    }

    private sealed record Row
    {
        public long Id { get; init; }
        public string PaymentId { get; init; } = "";
        public string ClientId { get; init; } = "";
        public string AcquirerCode { get; init; } = "";
        public string Code { get; init; } = "";
        public string InvoiceNumber { get; init; } = "";
        public string TrxId { get; init; } = "";
        public string Status { get; init; } = "";
        public long Amount { get; init; }
        public long PaidAt { get; init; }
        public long? ReversedAt { get; init; }
    }

    public static async Task<IResult> Get(string paymentId, HttpContext http, Database database)
    {
        await using var c = await database.OpenAsync(http.RequestAborted);
        var p = await c.QuerySingleOrDefaultAsync<Row>(
            """
            SELECT p.id, p.payment_id, m.client_id, a.code AS acquirer_code, p.code, p.invoice_number, p.trx_id, p.status, p.amount,
                p.paid_at, p.reversed_at
            FROM payments p JOIN merchants m ON m.id = p.merchant_id JOIN acquirers a ON a.id = p.acquirer_id
            WHERE p.payment_id = @paymentId
            """, new { paymentId });
        if (p is null)
        {
            return ApiError.NotFound("payment_not_found", $"No payment has payment_id {paymentId}");
        }
        var journal = await Journal.JournalOfPaymentAsync(c, p.Id);
        var postings = await Journal.PostingsOfPaymentAsync(c, p.Id);
        var paid = journal.FirstOrDefault(j => j.Kind == Journal.Payment);
        var splits = paid is null
            ? []
            : postings.Where(x => x.JournalId == paid.Id && x.Role == PostingRole.Payable)
                .Select(x => new SplitView(x.Payee ?? "", PayeeType(x.Account), x.SplitType ?? "", -x.Amount)).ToList();
        return WireJson.Ok(new PaymentView(
            p.PaymentId, p.ClientId, p.AcquirerCode, p.Code, p.InvoiceNumber, p.TrxId, p.Status,
            Time(p.PaidAt), p.ReversedAt is { } r ? Time(r) : null,
            paid?.Gross ?? p.Amount, paid?.Fee ?? 0, paid?.AcquirerCost ?? 0, paid?.Net ?? p.Amount, splits,
            journal.Select(j => new JournalView(j.Id, j.Kind, j.BusinessDate, Time(j.CreatedAt), j.Gross, j.Fee, j.AcquirerCost, j.Net,
                postings.Where(x => x.JournalId == j.Id).Select(x => new PostingView(x.Account, x.Role, x.Amount)).ToList())).ToList()));
    }

    /// <summary>The payee kind of a payable's address <c>merchant:{client_id}:{kind}[:{id}]</c> (neither part may hold ':').</summary>
    public static string PayeeType(string account) => account.Split(':') switch
    {
        [_, _, "settlement", _] => Postings.PayeeSettlement,
        [_, _, "sub", _] => Postings.PayeeSubAccount,
        _ => Postings.PayeeMerchant,
    };

    private static string Time(long ms) => WireDates.Utc(DateTimeOffset.FromUnixTimeMilliseconds(ms));
}
