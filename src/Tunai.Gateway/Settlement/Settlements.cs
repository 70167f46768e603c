using System.ComponentModel.DataAnnotations;
using Tunai.Gateway.Ledger;

namespace Tunai.Gateway.Settlement;

/// <summary><c>Tunai:Settlement</c>: when batches close by themselves.</summary>
public sealed class SettlementOptions
{
    /// <summary>Time of day, WIB, at which the business day <see cref="DelayDays"/> before is closed.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "23:59:59")]
    public TimeSpan CutoffTime { get; set; } = TimeSpan.Zero;

    /// <summary>T+n: at the cut-off of day D + n the business day D is closed.</summary>
    [Range(0, 30)]
    public int DelayDays { get; set; } = 1;
}

public sealed record SettlementBatch
{
    public long Id { get; init; }
    public string BatchId { get; init; } = "";
    public long MerchantId { get; init; }
    public string ClientId { get; init; } = "";
    public string BusinessDate { get; init; } = "";
    public string Status { get; init; } = "";
    public long Total { get; init; }
    public long ClosedAt { get; init; }
    public long? PaidAt { get; init; }
    public string? PaidReference { get; init; }
}

public sealed record SettlementLine
{
    public long Line { get; init; }
    public string Account { get; init; } = "";
    public string PayeeType { get; init; } = "";
    public string Payee { get; init; } = "";
    public long Amount { get; init; }
    public bool CarriedForward { get; init; }
    public string? BankCode { get; init; }
    public string? AccountNumber { get; init; }
    public string? AccountName { get; init; }
}

/// <summary>
/// Closing settlement batches: per merchant and business day, the payable postings of that day and before that
/// no batch has claimed yet, summed per payee. Closing is idempotent (the same day again returns the batch as it
/// was) and safe across instances: the unique key (merchant, day) admits one batch, and the merchant's row is held
/// for the length of the close (<see cref="WriteUnit.HoldRowAsync"/>) so two closes of different days never claim
/// the same posting.
/// </summary>
public static class Settlements
{
    private const string BatchColumns =
        "b.id, b.batch_id, b.merchant_id, m.client_id, b.business_date, b.status, b.total, b.closed_at, b.paid_at, b.paid_reference";

    private sealed record Unclaimed
    {
        public long Id { get; init; }
        public string Account { get; init; } = "";
        public string Payee { get; init; } = "";
        public long Amount { get; init; }
    }

    /// <summary>A day that may be closed now: a WIB business day written yyyy-MM-dd, today (closed early) or before.</summary>
    public static bool IsClosable(string? date, DateTimeOffset now) =>
        DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
        && day <= DateOnly.FromDateTime(now.ToOffset(TimeSpan.FromHours(7)).DateTime);

    public static string BatchIdOf(string clientId, string date) => $"STL-{date.Replace("-", "", StringComparison.Ordinal)}-{clientId}";

    /// <summary>
    /// Closes (or finds) the batch of one merchant and day. A new batch is audited as <paramref name="auditAs"/> in the
    /// unit that writes it (the cut-off's own closes pass none); finding the batch changes nothing and writes nothing.
    /// </summary>
    public static async Task<SettlementBatch> CloseAsync(Database database, long merchantId, string clientId, string date, long now, CancellationToken ct,
        Audit.AuditActor? auditAs = null) =>
        await database.WriteAsync(async unit =>
        {
            var (c, tx) = (unit.Connection, unit.Transaction);
            await unit.HoldRowAsync("merchants", merchantId);
            if (await FindAsync(c, BatchIdOf(clientId, date), tx) is { } existing)
            {
                return existing;
            }
            var postings = (await c.QueryAsync<Unclaimed>(
                """
                SELECT p.id, p.account, p.payee, p.amount FROM postings p
                WHERE p.merchant_id = @merchantId AND p.role = 'PAYABLE' AND p.business_date <= @date
                  AND NOT EXISTS (SELECT 1 FROM settled_postings s WHERE s.posting_id = p.id)
                ORDER BY p.id
                """, new { merchantId, date }, tx)).ToList();
            // A payable is a credit: what the payee is owed is its negation.
            var lines = postings.GroupBy(p => p.Account)
                .Select(g => (Account: g.Key, g.First().Payee, Amount: -g.Sum(p => p.Amount), Ids: g.Select(p => p.Id).ToList()))
                .OrderBy(l => l.Account, StringComparer.Ordinal).ToList();
            var batchId = await c.ExecuteScalarAsync<long>(
                """
                INSERT INTO settlement_batches (batch_id, merchant_id, business_date, status, total, closed_at)
                VALUES (@batchId, @merchantId, @date, 'CLOSED', @total, @now)
                RETURNING id
                """, new { batchId = BatchIdOf(clientId, date), merchantId, date, total = lines.Where(l => l.Amount > 0).Sum(l => l.Amount), now }, tx);
            for (var i = 0; i < lines.Count; i++)
            {
                var l = lines[i];
                var carried = l.Amount < 0;
                await c.ExecuteAsync(
                    """
                    INSERT INTO settlement_lines (batch_id, line, account, payee_type, payee, amount, carried_forward)
                    VALUES (@batchId, @line, @Account, @payeeType, @Payee, @Amount, @carried)
                    """, new { batchId, line = i + 1, l.Account, payeeType = PaymentJournalEndpoints.PayeeType(l.Account), l.Payee, l.Amount, carried = carried ? 1 : 0 }, tx);
                if (!carried)
                {
                    await ClaimAsync(c, tx, batchId, l.Ids);
                }
            }
            var closed = (await FindAsync(c, BatchIdOf(clientId, date), tx))!;
            if (auditAs is not null)
            {
                await Audit.AuditTrail.WriteAsync(unit, auditAs, "settlement.close", closed.BatchId, null,
                    new { closed.ClientId, closed.BusinessDate, closed.Total, lines = lines.Count }, now);
            }
            unit.Commit();
            return closed;
        }, ct);

    /// <summary>Closes the day for every merchant with unclaimed payables of that day or before.</summary>
    public static async Task<IReadOnlyList<SettlementBatch>> CloseAllAsync(Database database, string date, long now, CancellationToken ct,
        Audit.AuditActor? auditAs = null)
    {
        List<(long Id, string ClientId)> merchants;
        await using (var c = await database.OpenAsync(ct))
        {
            merchants = (await c.QueryAsync<(long, string)>(
                """
                SELECT m.id, m.client_id FROM merchants m
                WHERE EXISTS (SELECT 1 FROM postings p WHERE p.merchant_id = m.id AND p.role = 'PAYABLE' AND p.business_date <= @date
                    AND NOT EXISTS (SELECT 1 FROM settled_postings s WHERE s.posting_id = p.id))
                ORDER BY m.id
                """, new { date })).ToList();
        }
        var batches = new List<SettlementBatch>();
        foreach (var (id, clientId) in merchants)
        {
            batches.Add(await CloseAsync(database, id, clientId, date, now, ct, auditAs));
        }
        return batches;
    }

    private static async Task ClaimAsync(DbConnection c, DbTransaction tx, long batchId, List<long> ids)
    {
        foreach (var chunk in ids.Chunk(200))
        {
            var sql = new StringBuilder("INSERT INTO settled_postings (posting_id, batch_id) VALUES ");
            var parameters = new DynamicParameters(new { batchId });
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? "" : ", ")}(@p{i}, @batchId)");
                parameters.Add($"p{i}", chunk[i]);
            }
            await c.ExecuteAsync(sql.ToString(), parameters, tx);
        }
    }

    /// <summary>One batch; with a <paramref name="scope"/> (a merchant user's merchant) another merchant's batch is not found.</summary>
    public static Task<SettlementBatch?> FindAsync(DbConnection c, string batchId, DbTransaction? tx = null, long? scope = null) =>
        c.QuerySingleOrDefaultAsync<SettlementBatch>(
            $"SELECT {BatchColumns} FROM settlement_batches b JOIN merchants m ON m.id = b.merchant_id WHERE b.batch_id = @batchId AND (@scope IS NULL OR b.merchant_id = @scope)",
            new { batchId, scope }, tx);

    public static async Task<IReadOnlyList<SettlementBatch>> ListAsync(DbConnection c, string? clientId, string? date, long? scope = null) =>
        (await c.QueryAsync<SettlementBatch>(
            $"""
            SELECT {BatchColumns} FROM settlement_batches b JOIN merchants m ON m.id = b.merchant_id
            WHERE (@clientId IS NULL OR m.client_id = @clientId) AND (@date IS NULL OR b.business_date = @date)
              AND (@scope IS NULL OR b.merchant_id = @scope)
            ORDER BY b.id DESC LIMIT 500
            """, new { clientId, date, scope })).ToList();

    /// <summary>The lines, with the bank details of settlement-account payees.</summary>
    public static async Task<IReadOnlyList<SettlementLine>> LinesAsync(DbConnection c, SettlementBatch batch) =>
        (await c.QueryAsync<SettlementLine>(
            """
            SELECT l.line, l.account, l.payee_type, l.payee, l.amount, l.carried_forward,
                a.bank_code, a.account_number, a.account_name
            FROM settlement_lines l
            JOIN settlement_batches b ON b.id = l.batch_id
            LEFT JOIN settlement_accounts a ON a.merchant_id = b.merchant_id AND a.account_id = l.payee AND l.payee_type = 'SETTLEMENT_ACCOUNT'
            WHERE l.batch_id = @id ORDER BY l.line
            """, new { id = batch.Id })).ToList();

    public enum PayOutcome { Paid, AlreadyPaid, NotFound, PaidWithAnotherReference }

    /// <summary>
    /// Marks a batch paid with the bank's reference, audited as <paramref name="auditAs"/> in the same unit. The same
    /// reference again is an answer, not a change (nothing is written); another reference is refused.
    /// </summary>
    public static Task<(PayOutcome Outcome, SettlementBatch? Batch)> PayAsync(Database database, string batchId, string reference, long now,
        Audit.AuditActor auditAs, CancellationToken ct) =>
        database.WriteAsync(async unit =>
        {
            if (await FindAsync(unit.Connection, batchId, unit.Transaction) is not { } batch)
            {
                return (PayOutcome.NotFound, (SettlementBatch?)null);
            }
            if (await MarkPaidAsync(unit.Connection, unit.Transaction, batch.Id, reference, now) == 0)
            {
                return (batch.PaidReference == reference ? PayOutcome.AlreadyPaid : PayOutcome.PaidWithAnotherReference, batch);
            }
            await Audit.AuditTrail.WriteAsync(unit, auditAs, "settlement.paid", batch.BatchId,
                new { batch.Status }, new { Status = "PAID", reference }, now);
            unit.Commit();
            return (PayOutcome.Paid, await FindAsync(unit.Connection, batchId, unit.Transaction));
        }, ct);

    /// <summary>1 when this call marked the batch paid; 0 when it was paid already.</summary>
    public static Task<int> MarkPaidAsync(DbConnection c, DbTransaction tx, long id, string reference, long now) =>
        c.ExecuteAsync(
            "UPDATE settlement_batches SET status = 'PAID', paid_at = @now, paid_reference = @reference WHERE id = @id AND status = 'CLOSED'",
            new { id, reference, now }, tx);

    /// <summary>
    /// The payout file: one row per positive line, with a header, written by <see cref="Csv"/> (RFC 4180, and a cell
    /// a spreadsheet would take for a formula neutralised). Sub-account and merchant-balance lines have no bank details of
    /// their own; they are listed with empty bank fields for the operator to pay by its arrangement with the merchant.
    /// </summary>
    public static string PayoutCsv(SettlementBatch batch, IEnumerable<SettlementLine> lines)
    {
        var csv = new StringBuilder("bank_code,account_number,account_name,amount,reference,payee_type,payee\r\n");
        foreach (var l in lines.Where(l => l.Amount > 0))
        {
            csv.Append(Csv.Row(Csv.Text(l.BankCode), Csv.Text(l.AccountNumber), Csv.Text(l.AccountName), Csv.Number(l.Amount),
                Csv.Text($"{batch.BatchId}-{l.Line}"), Csv.Text(l.PayeeType), Csv.Text(l.Payee)));
        }
        return csv.ToString();
    }

    /// <summary>The WIB date <paramref name="delayDays"/> before the WIB day of the last cut-off at or before <paramref name="now"/>, and the next cut-off.</summary>
    public static (string Date, DateTimeOffset Next) DueAt(DateTimeOffset now, SettlementOptions options)
    {
        var wib = now.ToOffset(TimeSpan.FromHours(7));
        var cutoff = new DateTimeOffset(wib.Date + options.CutoffTime, wib.Offset);
        if (cutoff > wib)
        {
            cutoff = cutoff.AddDays(-1);
        }
        var date = cutoff.Date.AddDays(-options.DelayDays).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return (date, cutoff.AddDays(1));
    }
}

/// <summary>Closes the due business day for every merchant at each cut-off (and once at start, to catch up).</summary>
public sealed class SettlementCloser(Database database, TimeProvider time, Configuration.TunaiOptions options, ILogger<SettlementCloser> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var (date, next) = Settlements.DueAt(now, options.Settlement);
            try
            {
                var closed = await Settlements.CloseAllAsync(database, date, now.ToUnixTimeMilliseconds(), stoppingToken);
                if (closed.Count > 0)
                {
                    logger.LogInformation("Settlement of {Date}: {Count} merchant batch(es) closed or found", date, closed.Count);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Another instance may be closing the same day; the next cut-off (or a manual close) catches up.
                logger.LogWarning(e, "Closing the settlement of {Date} failed", date);
            }
            try
            {
                await Task.Delay(next - now, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
