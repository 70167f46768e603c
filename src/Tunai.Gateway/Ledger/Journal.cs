using System.Collections.Concurrent;
using Tunai.Gateway.PaymentCodes;
using Tunai.Gateway.Acquirers;
using Tunai.Gateway.Store;
using Tunai.Gateway.Fees;
using Tunai.Gateway.Settlement;

namespace Tunai.Gateway.Ledger;

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
public static class Journal
{
    public const string Payment = "PAYMENT";
    public const string Reversal = "REVERSAL";

    private static readonly TimeSpan Wib = TimeSpan.FromHours(7);

    /// <summary>The business day (WIB) of an instant, yyyy-MM-dd.</summary>
    public static string BusinessDate(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToOffset(Wib).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes the payment's journal transaction, among the unit's deferred writes: its postings sum to zero (see
    /// <see cref="Postings.Compute"/>). <paramref name="priced"/> is the code as read with its prices
    /// (<see cref="PaymentCodeStore.FindPricedAsync"/>) in this unit.
    /// </summary>
    public static void PostPayment(WriteUnit unit, PricedCode priced, Payment payment, Acquirer acquirer) =>
        Write(unit, PaymentEntry(priced, payment, acquirer));

    /// <summary>
    /// The payment's journal transaction as writes that follow the payment's own (<paramref name="paymentWrite"/>) in
    /// <paramref name="writes"/> (see <see cref="WriteTogether"/>): the transaction reads the payment's new id, its lines
    /// the transaction's.
    /// </summary>
    public static void PostPayment(WriteTogether writes, int paymentWrite, PricedCode priced, Payment payment, Acquirer acquirer)
    {
        var entry = PaymentEntry(priced, payment, acquirer);
        var journal = writes.Then(paymentWrite, JournalInsert.Bind(entry), parentIdAs: "paymentId");
        if (entry.Lines.Count > 0)
        {
            writes.Then(journal, PostingsInsert(entry.Lines.Count).Bind(entry));
        }
    }

    private static Entry PaymentEntry(PricedCode priced, Payment payment, Acquirer acquirer)
    {
        var code = priced.Code;
        var fee = priced.CodeFee ?? (code.Kind == "DIPC" ? priced.MerchantFee : null) ?? FeeSchedule.Zero;
        var money = Postings.Compute(payment.Amount, fee, priced.Cost ?? FeeSchedule.Zero, CodeMoney.Splits(code.Settlement), code.AccountId,
            priced.ClientId, acquirer.Code);
        return new Entry(payment.Id, payment.MerchantId, payment.AcquirerId, Payment,
            money.Gross, money.Fee, money.AcquirerCost, money.Net, BusinessDate(payment.PaidAt), payment.PaidAt, money.Lines);
    }

    /// <summary>
    /// Writes the exact opposite of the payment's journal transaction. Every payment has one, written with it: a payment
    /// without one is an error that fails the unit (the reversal is not recorded), never a reversal left out of the books.
    /// </summary>
    public static async Task PostReversalAsync(WriteUnit unit, Payment payment, long now)
    {
        var (c, tx) = (unit.Connection, unit.Transaction);
        var original = await c.QuerySingleOrDefaultAsync<JournalTransaction>(
            $"SELECT {JournalColumns} FROM journal_transactions WHERE payment_id = @id AND kind = 'PAYMENT'", new { id = payment.Id }, tx)
            ?? throw new InvalidOperationException($"Payment {payment.PaymentId} has no journal transaction to reverse");
        var lines = (await c.QueryAsync<StoredPosting>(
            "SELECT journal_id, account, role, split_type, payee, amount FROM postings WHERE journal_id = @id ORDER BY id", new { id = original.Id }, tx))
            .Select(p => p.ToLine());
        Write(unit, new Entry(payment.Id, payment.MerchantId, payment.AcquirerId, Reversal,
            -original.Gross, -original.Fee, -original.AcquirerCost, -original.Net, BusinessDate(now), now, Postings.Reverse(lines)));
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

    /// <summary>A journal transaction and its lines, as written.</summary>
    private sealed record Entry(long PaymentId, long MerchantId, long AcquirerId, string Kind, long Gross, long Fee, long Cost, long Net, string Date, long At,
        IReadOnlyList<PostingLine> Lines);

    /// <summary>
    /// The journal transaction and its lines, as the unit's deferred writes (see <see cref="WriteUnit.Later{TArgs}"/>):
    /// nothing later in the unit reads them, so where units run side by side they travel with the unit's other deferred
    /// writes, as one command, and the ledger costs a payment no round trip of its own. The lines find their transaction's
    /// id as <c>@inserted_id</c> (<see cref="WriteUnit.LaterInsertThen{TArgs}"/>): where a unit runs alone, its rowid,
    /// bound to them.
    /// </summary>
    private static void Write(WriteUnit unit, Entry entry)
    {
        if (entry.Lines.Count == 0)
        {
            unit.Later(JournalInsert, entry, rows: 1);
            return;
        }
        unit.LaterInsertThen(JournalInsert, PostingsInsert(entry.Lines.Count), entry, rows: entry.Lines.Count);
    }

    /// <summary>
    /// The journal row, of the payment's merchant and acquirer: a payment that does not exist fails it (the foreign key),
    /// and a second of one kind too (UNIQUE (payment_id, kind)).
    /// </summary>
    private static readonly Statement<Entry> JournalInsert = new(
        """
        INSERT INTO journal_transactions (payment_id, kind, merchant_id, acquirer_id, gross, fee, acquirer_cost, net, business_date, created_at)
        VALUES (@paymentId, @kind, @merchantId, @acquirerId, @gross, @fee, @cost, @net, @date, @at)
        """,
        ("paymentId", e => e.PaymentId), ("kind", e => e.Kind), ("merchantId", e => e.MerchantId), ("acquirerId", e => e.AcquirerId),
        ("gross", e => e.Gross), ("fee", e => e.Fee), ("cost", e => e.Cost), ("net", e => e.Net), ("date", e => e.Date), ("at", e => e.At));

    /// <summary>
    /// The lines of a transaction of <paramref name="lines"/> lines: each line's five values bound as parameters of
    /// their own, inserted (and numbered) in their order. The merchant and day are the payment's, as the transaction's are.
    /// </summary>
    private static Statement<Entry> PostingsInsert(int lines) => PostingsByCount.GetOrAdd(lines, static n =>
    {
        var rows = string.Join(",\n    ", Enumerable.Range(0, n).Select(i => string.Create(CultureInfo.InvariantCulture,
            $"(@inserted_id, @merchantId, @account{i}, @role{i}, @split{i}, @payee{i}, @amount{i}, @date)")));
        List<(string, Func<Entry, object?>)> parameters = [("merchantId", e => e.MerchantId), ("date", e => e.Date)];
        for (var i = 0; i < n; i++)
        {
            var line = i;
            parameters.AddRange(
            [
                (string.Create(CultureInfo.InvariantCulture, $"account{i}"), e => e.Lines[line].Account),
                (string.Create(CultureInfo.InvariantCulture, $"role{i}"), e => e.Lines[line].Role),
                (string.Create(CultureInfo.InvariantCulture, $"split{i}"), e => e.Lines[line].SplitType),
                (string.Create(CultureInfo.InvariantCulture, $"payee{i}"), e => e.Lines[line].Payee),
                (string.Create(CultureInfo.InvariantCulture, $"amount{i}"), e => e.Lines[line].Amount),
            ]);
        }
        return new Statement<Entry>(
            $"""
            INSERT INTO postings (journal_id, merchant_id, account, role, split_type, payee, amount, business_date)
            VALUES
                {rows}
            """, [.. parameters]);
    });

    private static readonly ConcurrentDictionary<int, Statement<Entry>> PostingsByCount = new();
}
