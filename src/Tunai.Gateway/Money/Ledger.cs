using System.Buffers;
using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Tunai.Gateway.PaymentCodes;
using Tunai.Gateway.Storage;
using Tunai.Gateway.Acquirers;
using Tunai.Gateway.Store;

namespace Tunai.Gateway.Money;

/// <summary>A journal transaction as stored: one per payment, and one more, its exact opposite, if it is reversed.</summary>
public sealed record JournalTransaction
{
    public long Id { get; init; }
    public long PaymentId { get; init; }
    public required string Kind { get; init; }
    public long MerchantId { get; init; }
    public long AcquirerId { get; init; }
    public long Gross { get; init; }
    public long Fee { get; init; }
    public long AcquirerCost { get; init; }
    public long Net { get; init; }
    public required string BusinessDate { get; init; }
    public long CreatedAt { get; init; }
}

public sealed record StoredPosting
{
    public long JournalId { get; init; }
    public string Account { get; init; } = "";
    public string Role { get; init; } = "";
    public string? SplitType { get; init; }
    public string? Payee { get; init; }
    public long Amount { get; init; }

    public PostingLine ToLine() => new(Account, Role, SplitType, Payee, Amount);
}

/// <summary>
/// The append-only double-entry ledger. The payment and reversal paths call it inside their own unit of work,
/// beside the statement that writes the payment, so a payment and its journal transaction commit together or not
/// at all. Nothing here updates or deletes (the database refuses it too: see migration 0007's triggers); balances
/// are sums of postings.
/// </summary>
public static class Ledger
{
    public const string Payment = "PAYMENT";
    public const string Reversal = "REVERSAL";

    private static readonly TimeSpan Wib = TimeSpan.FromHours(7);

    /// <summary>The business day (WIB) of an instant, yyyy-MM-dd.</summary>
    public static string BusinessDate(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToOffset(Wib).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// What a payment of a code is priced by: the merchant's client id, the code's fee, the merchant's current fee
    /// (for a direct-inquiry bill, which is made at inquiry and has no fee of its own) and the acquirer's cost. Read
    /// with init properties: Dapper maps columns to them by name, whatever type a NULL column reports.
    /// </summary>
    public sealed record Prices
    {
        public string ClientId { get; init; } = "";
        public long? CodeFixed { get; init; }
        public long? CodePercent { get; init; }
        public long? CodeMin { get; init; }
        public long? CodeMax { get; init; }
        public long? MerchantFixed { get; init; }
        public long? MerchantPercent { get; init; }
        public long? MerchantMin { get; init; }
        public long? MerchantMax { get; init; }
        public long? CostFixed { get; init; }
        public long? CostPercent { get; init; }
        public long? CostMin { get; init; }
        public long? CostMax { get; init; }
    }

    /// <summary>
    /// The code a store pays, with its <see cref="Prices"/>; null when no code has that text. On PostgreSQL one
    /// statement, a join (one round trip fewer than reading the prices apart). On SQLite's writer, where a statement
    /// costs no round trip, the code is read as everywhere else and the prices by a statement of their own whose row is
    /// read straight from SQLite (<see cref="StatementCachingConnection.ReadRow"/>): through Dapper, the join's 13 more
    /// columns had made the read about half again as costly as the code's alone (dotnet-trace, payment load).
    /// </summary>
    public static async Task<(PaymentCode Code, Prices Prices)?> FindPricedCodeAsync(DbConnection c, DbTransaction tx, string code, long acquirerId)
    {
        if (c is StatementCachingConnection writer)
        {
            if (await PaymentCodeStore.FindByCodeAsync(c, code, tx) is not { } found)
            {
                return null;
            }
            var row = writer.ReadRow(PricesSql, PricesNames, [found.Id, found.MerchantId, acquirerId])
                ?? throw new InvalidOperationException($"Payment code {found.Id} has no merchant");
            return (found, new Prices
            {
                ClientId = (string)row[0]!,
                CodeFixed = (long?)row[1], CodePercent = (long?)row[2], CodeMin = (long?)row[3], CodeMax = (long?)row[4],
                MerchantFixed = (long?)row[5], MerchantPercent = (long?)row[6], MerchantMin = (long?)row[7], MerchantMax = (long?)row[8],
                CostFixed = (long?)row[9], CostPercent = (long?)row[10], CostMin = (long?)row[11], CostMax = (long?)row[12],
            });
        }
        return (await c.QueryAsync<PaymentCode, Prices, (PaymentCode, Prices)?>(
            $"""
            SELECT {PaymentCodeStore.ColumnsOfP}, {PriceColumns}
            FROM payment_codes p
            JOIN merchants m ON m.id = p.merchant_id
            LEFT JOIN code_fees cf ON cf.payment_code_id = p.id
            LEFT JOIN merchant_fees mf ON mf.merchant_id = p.merchant_id
            LEFT JOIN acquirer_costs ac ON ac.acquirer_id = @acquirerId
            WHERE p.code = @code
            """, (found, prices) => (found, prices), new { code, acquirerId }, tx, splitOn: "client_id")).SingleOrDefault();
    }

    /// <summary>The columns of <see cref="Prices"/>, in its order (SQLite's writer reads them by place).</summary>
    private const string PriceColumns =
        """
        m.client_id,
            cf.fixed AS code_fixed, cf.percent_hundredths AS code_percent, cf.min AS code_min, cf.max AS code_max,
            mf.fixed AS merchant_fixed, mf.percent_hundredths AS merchant_percent, mf.min AS merchant_min, mf.max AS merchant_max,
            ac.fixed AS cost_fixed, ac.percent_hundredths AS cost_percent, ac.min AS cost_min, ac.max AS cost_max
        """;

    private const string PricesSql =
        $"""
        SELECT {PriceColumns}
        FROM merchants m
        LEFT JOIN code_fees cf ON cf.payment_code_id = @codeId
        LEFT JOIN merchant_fees mf ON mf.merchant_id = m.id
        LEFT JOIN acquirer_costs ac ON ac.acquirer_id = @acquirerId
        WHERE m.id = @merchantId
        """;

    private static readonly string[] PricesNames = ["codeId", "merchantId", "acquirerId"];

    /// <summary>
    /// Writes the payment's journal transaction: its postings sum to zero (see <see cref="Postings.Compute"/>).
    /// <paramref name="prices"/> are those read with the code (<see cref="FindPricedCodeAsync"/>) in this unit.
    /// </summary>
    public static Task PostPaymentAsync(WriteUnit unit, PaymentCode code, Prices prices, Payment payment, Acquirer acquirer)
    {
        var p = prices;
        var fee = p.CodeFixed is not null
            ? new FeeSchedule(p.CodeFixed.Value, p.CodePercent!.Value, p.CodeMin!.Value, p.CodeMax)
            : code.Kind == "DIPC" && p.MerchantFixed is not null
                ? new FeeSchedule(p.MerchantFixed.Value, p.MerchantPercent!.Value, p.MerchantMin!.Value, p.MerchantMax)
                : FeeSchedule.Zero;
        var cost = p.CostFixed is not null ? new FeeSchedule(p.CostFixed.Value, p.CostPercent!.Value, p.CostMin!.Value, p.CostMax) : FeeSchedule.Zero;

        var money = Postings.Compute(payment.Amount, fee, cost, CodeMoney.Splits(code.Settlement), code.AccountId, p.ClientId, acquirer.Code);
        return WriteAsync(unit, payment.Id, payment.MerchantId, Payment,
            money.Gross, money.Fee, money.AcquirerCost, money.Net, BusinessDate(payment.PaidAt), payment.PaidAt, money.Lines);
    }

    /// <summary>Writes the exact opposite of the payment's journal transaction (none for a payment older than the ledger).</summary>
    public static async Task PostReversalAsync(WriteUnit unit, Payment payment, long now)
    {
        var (c, tx) = (unit.Connection, unit.Transaction);
        var original = await c.QuerySingleOrDefaultAsync<JournalTransaction>(
            $"SELECT {JournalColumns} FROM journal_transactions WHERE payment_id = @id AND kind = 'PAYMENT'", new { id = payment.Id }, tx);
        if (original is null)
        {
            return;
        }
        var lines = (await c.QueryAsync<StoredPosting>(
            "SELECT journal_id, account, role, split_type, payee, amount FROM postings WHERE journal_id = @id ORDER BY id", new { id = original.Id }, tx))
            .Select(p => p.ToLine());
        await WriteAsync(unit, payment.Id, payment.MerchantId, Reversal,
            -original.Gross, -original.Fee, -original.AcquirerCost, -original.Net, BusinessDate(now), now, Postings.Reverse(lines));
    }

    public const string JournalColumns = "id, payment_id, kind, merchant_id, acquirer_id, gross, fee, acquirer_cost, net, business_date, created_at";

    public static async Task<IReadOnlyList<JournalTransaction>> JournalOfPaymentAsync(DbConnection c, long paymentId) =>
        (await c.QueryAsync<JournalTransaction>($"SELECT {JournalColumns} FROM journal_transactions WHERE payment_id = @paymentId ORDER BY id", new { paymentId })).ToList();

    public static async Task<IReadOnlyList<StoredPosting>> PostingsOfPaymentAsync(DbConnection c, long paymentId) =>
        (await c.QueryAsync<StoredPosting>(
            """
            SELECT p.journal_id, p.account, p.role, p.split_type, p.payee, p.amount
            FROM postings p JOIN journal_transactions j ON j.id = p.journal_id
            WHERE j.payment_id = @paymentId ORDER BY p.id
            """, new { paymentId })).ToList();

    /// <summary>
    /// The journal transaction and its lines, as one of the unit's last writes (see <see cref="WriteUnit.LaterAsync(string, object?, int)"/>):
    /// nothing later in the unit reads them, so on PostgreSQL they travel with the unit's other last writes and the
    /// ledger costs a payment no round trip of its own; there the lines find their transaction by its unique key
    /// (payment, kind) instead of an id read back, and if it were missing they would insert no row and fail the unit.
    /// On SQLite, where a statement costs no round trip, the transaction's id is its rowid, taken from the insert
    /// (<see cref="WriteUnit.InsertAsync"/>) and bound to each line: a lookup of the transaction by its key per line
    /// cost about 2 µs of a 24 µs write in a micro-benchmark. On SQLite's writer the values are bound straight to the
    /// kept statements: through Dapper, preparing the parameters had cost about as much as inserting the rows.
    /// </summary>
    private static async Task WriteAsync(WriteUnit unit, long paymentId, long merchantId, string kind,
        long gross, long fee, long cost, long net, string date, long at, IReadOnlyList<PostingLine> lines)
    {
        if (unit.Connection is SqliteConnection)
        {
            // The journal row comes from the payment row (its merchant and acquirer); no payment, no row, and the
            // insert fails the unit.
            var journalId = await unit.InsertAsync(JournalInsertSql, JournalNames, [paymentId, kind, gross, fee, cost, net, date, at]);
            if (lines.Count == 0)
            {
                return;
            }
            // Each line's five values bound as parameters of their own, one multi-row INSERT, inserted (and numbered)
            // in their order. The merchant and day are the payment's, as the transaction's are.
            var (sql, names) = SqlitePostings(lines.Count);
            var bound = new object?[PostingNames.Length + LineFields * lines.Count];
            (bound[0], bound[1], bound[2]) = (journalId, merchantId, date);
            for (var i = 0; i < lines.Count; i++)
            {
                var (line, at0) = (lines[i], PostingNames.Length + LineFields * i);
                (bound[at0], bound[at0 + 1], bound[at0 + 2], bound[at0 + 3], bound[at0 + 4]) =
                    (line.Account, line.Role, line.SplitType, line.Payee, line.Amount);
            }
            await unit.LaterAsync(sql, names, bound, rows: lines.Count);
            return;
        }
        object?[] values = [paymentId, kind, gross, fee, cost, net, date, at, LinesJson(lines)];
        await unit.LaterAsync(PostgresWriteSql, PostgresNames, values, rows: 1 + lines.Count);
    }

    private static readonly string[] JournalNames = ["paymentId", "kind", "gross", "fee", "cost", "net", "date", "at"];

    private static readonly string[] PostgresNames = [.. JournalNames, "lines"];

    private static readonly string[] PostingNames = ["journalId", "merchantId", "date"];

    private static readonly string[] LineNames = ["account", "role", "split", "payee", "amount"];

    private static int LineFields => LineNames.Length;

    private const string JournalInsertSql =
        """
        INSERT INTO journal_transactions (payment_id, kind, merchant_id, acquirer_id, gross, fee, acquirer_cost, net, business_date, created_at)
        SELECT p.id, @kind, p.merchant_id, p.acquirer_id, @gross, @fee, @cost, @net, @date, @at FROM payments p WHERE p.id = @paymentId
        """;

    private const string PostingsInsertSql = "INSERT INTO postings (journal_id, merchant_id, account, role, split_type, payee, amount, business_date)\n";

    /// <summary>SQLite's text for the postings of <paramref name="lines"/> lines, and its parameters' names in the order bound.</summary>
    private static (string Sql, string[] Names) SqlitePostings(int lines) => SqliteWrites.GetOrAdd(lines, static n =>
    {
        var rows = string.Join(",\n", Enumerable.Range(0, n).Select(i => string.Create(CultureInfo.InvariantCulture,
            $"(@journalId, @merchantId, @account{i}, @role{i}, @split{i}, @payee{i}, @amount{i}, @date)")));
        string[] names = [.. PostingNames, .. Enumerable.Range(0, n).SelectMany(i => LineNames.Select(
            f => string.Create(CultureInfo.InvariantCulture, $"{f}{i}")))];
        return (PostingsInsertSql + "VALUES\n" + rows, names);
    });

    private static readonly ConcurrentDictionary<int, (string Sql, string[] Names)> SqliteWrites = new();

    // The lines travel as one JSON array of [account, role, split type, payee, amount] arrays, taken apart by the
    // database in array order (their ids follow it): one parameter for any number of lines, and one text for every
    // payment, so Npgsql prepares it once.
    private const string PostgresWriteSql = JournalInsertSql + ";\n" + PostingsInsertSql +
        """
        SELECT j.id, j.merchant_id, v.line ->> 0, v.line ->> 1, v.line ->> 2, v.line ->> 3, CAST(v.line ->> 4 AS BIGINT), j.business_date
        FROM journal_transactions j CROSS JOIN jsonb_array_elements(CAST(@lines AS JSONB)) WITH ORDINALITY AS v(line, n)
        WHERE j.payment_id = @paymentId AND j.kind = @kind ORDER BY v.n
        """;

    private static string LinesJson(IReadOnlyList<PostingLine> lines)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * (lines.Count + 1));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var line in lines)
            {
                json.WriteStartArray();
                json.WriteStringValue(line.Account);
                json.WriteStringValue(line.Role);
                json.WriteStringValue(line.SplitType);
                json.WriteStringValue(line.Payee);
                json.WriteNumberValue(line.Amount);
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
