using Tunai.Gateway.Acquirers;
using Tunai.Gateway.Ledger;
using Tunai.Gateway.Notifications;
using Tunai.Gateway.PaymentCodes;

namespace Tunai.Gateway.Store;

public sealed record Payment
{
    public long Id { get; init; }
    public required string PaymentId { get; init; }
    public long PaymentCodeId { get; init; }
    public long MerchantId { get; init; }
    public long AcquirerId { get; init; }
    public required string TrxId { get; init; }
    public required string Code { get; init; }
    public required string InvoiceNumber { get; init; }
    public long Amount { get; init; }
    public required string Status { get; init; }
    public required string AgentId { get; init; }
    public required string StoreId { get; init; }
    public string? TerminalId { get; init; }
    public required string StoreDate { get; init; }
    public string? AdditionalInfo { get; init; }
    public long PaidAt { get; init; }
    public long? ReversedAt { get; init; }
}

/// <summary>How a payment may take its code (see <see cref="PaymentStore.PayAsync"/>).</summary>
public enum CodeTaking
{
    /// <summary>At the till: the code is active and unexpired at the moment paid.</summary>
    Unexpired,

    /// <summary>A payment a store took that Tunai learns of later (its daily file): the code may have expired since.</summary>
    ExpiredSinceToo,
}

/// <summary>
/// The SQL where money moves. Paying a code is one conditional UPDATE whose row count decides: at most one
/// payment of a non-reusable code, whatever the concurrency, never after a cancel, and only of the code's amount.
/// </summary>
public static class PaymentStore
{
    private const string PaymentColumns =
        """
        id, payment_id, payment_code_id, merchant_id, acquirer_id, trx_id, code, invoice_number, amount, status,
        agent_id, store_id, terminal_id, store_date, additional_info, paid_at, reversed_at
        """;

    /// <summary>
    /// The one way a payment is recorded, from the till and from a reconciliation alike: takes the code as
    /// <paramref name="priced"/> read it and, when it could, writes the payment of its amount, its journal
    /// transaction, the merchant's notification and the store's event (<paramref name="storeEvent"/>, its outcome
    /// success and its payment this one) in the caller's unit. Null when the code could not be taken, and then nothing
    /// is written: it is no longer active (or, as <paramref name="taking"/> allows, expired), reusable or not as read,
    /// or its amount is no longer the one read. The amount is always in the taking's condition, so a change of the
    /// code between the caller's read and this write refuses the payment.
    /// </summary>
    public static async Task<Payment?> PayAsync(WriteUnit unit, Outbox outbox, Acquirer acquirer, PricedCode priced, TakenAtStore taken,
        CodeTaking taking, long now, StoreEvent storeEvent)
    {
        var code = priced.Code;
        var p = NewPayment(acquirer, code, taken, now);
        if (await unit.InsertIfChangedAsync(Take(code, taking), Insert, new Taken(p, now)) is not { } id)
        {
            return null;
        }
        var payment = p with { Id = id };
        // The ledger's journal transaction and the merchant's notification commit with the payment, or none does.
        Journal.PostPayment(unit, priced, payment, acquirer);
        await outbox.EnqueueAsync(unit, acquirer, code, payment, "SUCCESS", DateTimeOffset.FromUnixTimeMilliseconds(payment.PaidAt));
        Record(unit, storeEvent with { Outcome = StoreOutcome.Success, PaymentId = payment.PaymentId });
        return payment;
    }

    /// <summary>
    /// <see cref="PayAsync"/> as writes together (see <see cref="WriteTogether"/>), every value made before anything is
    /// written: the code's taking first, then, only if it took the code, the payment, its journal transaction, the
    /// merchant's notification and the store's event, to which the caller adds what goes with them (its stored answer,
    /// following <see cref="PaidTogether.PaymentWrite"/>). Once written, <see cref="Written"/> gives the payment.
    /// </summary>
    public static PaidTogether PayTogether(Outbox outbox, Acquirer acquirer, PricedCode priced, TakenAtStore taken, CodeTaking taking, long now,
        StoreEvent storeEvent, string? traceParent)
    {
        var code = priced.Code;
        var p = NewPayment(acquirer, code, taken, now);
        var writes = new WriteTogether(Take(code, taking).Bind(new Taken(p, now)));
        var paymentWrite = writes.Then(0, Insert.Bind(new Taken(p, now)));
        Journal.PostPayment(writes, paymentWrite, priced, p, acquirer);
        var (notification, notificationWrite) = outbox.EnqueueTogether(writes, paymentWrite, code, p, "SUCCESS",
            DateTimeOffset.FromUnixTimeMilliseconds(p.PaidAt), traceParent);
        writes.Then(paymentWrite, InsertEvent.Bind(storeEvent with { Outcome = StoreOutcome.Success, PaymentId = p.PaymentId }));
        return new PaidTogether(writes, paymentWrite, p, notification, notificationWrite);
    }

    /// <summary>A payment as writes together (<see cref="PayTogether"/>), and where its payment and notification stand among them.</summary>
    public sealed record PaidTogether(WriteTogether Writes, int PaymentWrite, Payment Payment, Notification Notification, int NotificationWrite)
    {
        /// <summary>The payment as written, its notification handed to this instance's worker.</summary>
        public Payment Written(Outbox outbox, Acquirer acquirer, WrittenTogether written)
        {
            var payment = Payment with { Id = written.Id(PaymentWrite)!.Value };
            outbox.Written(Notification with { Id = written.Id(NotificationWrite)!.Value, PaymentId = payment.Id }, acquirer, payment.Amount);
            return payment;
        }
    }

    private static Payment NewPayment(Acquirer acquirer, PaymentCode code, TakenAtStore taken, long now) => new()
        {
            PaymentId = TimeOrderedIds.New("PAY-", now),
            PaymentCodeId = code.Id,
            MerchantId = code.MerchantId,
            AcquirerId = acquirer.Id,
            TrxId = taken.TrxId,
            Code = code.Code,
            InvoiceNumber = code.InvoiceNumber,
            Amount = code.Amount,
            Status = "SUCCESS",
            AgentId = taken.AgentId,
            StoreId = taken.StoreId,
            TerminalId = taken.TerminalId,
            StoreDate = taken.StoreDate,
            AdditionalInfo = code.AdditionalInfo,
            PaidAt = taken.PaidAt,
        };

    private static Statement<Taken> Take(PaymentCode code, CodeTaking taking) =>
        Takes[(code.Reusable ? 1 : 0) + (taking == CodeTaking.ExpiredSinceToo ? 2 : 0)];

    /// <summary>What the store says of a payment it took: its trx_id, who took it where, and when (the store's own date text, and unix ms).</summary>
    public sealed record TakenAtStore(string TrxId, string AgentId, string StoreId, string? TerminalId, string StoreDate, long PaidAt);

    /// <summary>A payment being recorded, and when (its code's updated_at).</summary>
    private sealed record Taken(Payment Payment, long Now);

    /// <summary>The code's taking: [non-reusable, reusable] unexpired, then the same with expired codes too.</summary>
    private static readonly Statement<Taken>[] Takes = [Take(false, false), Take(true, false), Take(false, true), Take(true, true)];

    private static Statement<Taken> Take(bool reusable, bool expiredToo)
    {
        var set = reusable ? "updated_at = @Now" : "status = 'PAID', paid_at = @PaidAt, updated_at = @Now";
        var live = expiredToo ? "status IN ('ACTIVE', 'EXPIRED')" : "status = 'ACTIVE' AND expires_at > @PaidAt";
        List<(string, Func<Taken, object?>)> parameters = [("Now", t => t.Now), ("PaymentCodeId", t => t.Payment.PaymentCodeId), ("Amount", t => t.Payment.Amount)];
        if (!reusable || !expiredToo)
        {
            parameters.Add(("PaidAt", t => t.Payment.PaidAt));
        }
        return new Statement<Taken>(
            $"UPDATE payment_codes SET {set}\nWHERE id = @PaymentCodeId AND {live} AND reusable = {(reusable ? 1 : 0)} AND amount = @Amount",
            [.. parameters]);
    }

    /// <summary>The payment's row; only the id is read back (why: <see cref="WriteUnit.InsertAsync{TArgs}"/>).</summary>
    private static readonly Statement<Taken> Insert = new(
        """
        INSERT INTO payments (payment_id, payment_code_id, merchant_id, acquirer_id, trx_id, code, invoice_number, amount,
            status, agent_id, store_id, terminal_id, store_date, additional_info, paid_at)
        VALUES (@PaymentId, @PaymentCodeId, @MerchantId, @AcquirerId, @TrxId, @Code, @InvoiceNumber, @Amount,
            @Status, @AgentId, @StoreId, @TerminalId, @StoreDate, @AdditionalInfo, @PaidAt)
        """,
        ("PaymentId", t => t.Payment.PaymentId), ("PaymentCodeId", t => t.Payment.PaymentCodeId), ("MerchantId", t => t.Payment.MerchantId),
        ("AcquirerId", t => t.Payment.AcquirerId), ("TrxId", t => t.Payment.TrxId), ("Code", t => t.Payment.Code),
        ("InvoiceNumber", t => t.Payment.InvoiceNumber), ("Amount", t => t.Payment.Amount), ("Status", t => t.Payment.Status),
        ("AgentId", t => t.Payment.AgentId), ("StoreId", t => t.Payment.StoreId), ("TerminalId", t => t.Payment.TerminalId),
        ("StoreDate", t => t.Payment.StoreDate), ("AdditionalInfo", t => t.Payment.AdditionalInfo), ("PaidAt", t => t.Payment.PaidAt));

    public static Task<Payment?> FindByTrxAsync(DbConnection c, DbTransaction tx, long acquirerId, string trxId) =>
        c.QuerySingleOrDefaultAsync<Payment>(
            $"SELECT {PaymentColumns} FROM payments WHERE acquirer_id = @acquirerId AND trx_id = @trxId",
            new { acquirerId, trxId }, tx);

    /// <summary>1 when this call reversed the payment: it was a success and is still inside the window.</summary>
    public static Task<int> ReverseAsync(DbConnection c, DbTransaction tx, long id, long now, long paidAfter) =>
        c.ExecuteAsync(
            "UPDATE payments SET status = 'REVERSED', reversed_at = @now WHERE id = @id AND status = 'SUCCESS' AND paid_at >= @paidAfter",
            new { id, now, paidAfter }, tx);

    /// <summary>
    /// A reversed payment of a non-reusable code makes it payable again (expiry still applies), unless the merchant has
    /// registered the code again since: then the life the payment paid stays over, and the new one is the code's live one.
    /// </summary>
    public static Task<int> ReopenCodeAsync(DbConnection c, DbTransaction tx, long codeId, long now) =>
        c.ExecuteAsync(
            """
            UPDATE payment_codes SET status = 'ACTIVE', paid_at = NULL, updated_at = @now
            WHERE id = @codeId AND status = 'PAID'
                AND NOT EXISTS (SELECT 1 FROM payment_codes n WHERE n.code = payment_codes.code AND n.life > payment_codes.life)
            """,
            new { codeId, now }, tx);

    public sealed record StoreEvent(long AcquirerId, string Kind, string? Code, string? TrxId, string? AgentId, string? StoreId,
        string? TerminalId, string Outcome, string? Reason, string? PaymentId, string RequestBody, long CreatedAt);

    /// <summary>Records a store request in the unit that answers it, among the unit's deferred writes (see <see cref="WriteUnit.Later{TArgs}"/>).</summary>
    public static void Record(WriteUnit unit, StoreEvent e) => unit.Later(InsertEvent, e, rows: 1);

    /// <summary>
    /// Records a store request that writes nothing else (an inquiry), as a write of its own
    /// (<see cref="Database.TryWriteTogetherAsync"/>: one round trip where units run side by side); durable when it returns.
    /// </summary>
    public static async Task RecordAsync(Database database, StoreEvent e, CancellationToken ct, [System.Runtime.CompilerServices.CallerFilePath] string caller = "") =>
        _ = await database.TryWriteTogetherAsync(new WriteTogether(InsertEvent.Bind(e)), ct, caller)
            ?? throw new InvalidOperationException("The store event was not written");

    private static readonly Statement<StoreEvent> InsertEvent = new(
        """
        INSERT INTO store_events (acquirer_id, kind, code, trx_id, agent_id, store_id, terminal_id, outcome, reason, payment_id, request_body, created_at)
        VALUES (@AcquirerId, @Kind, @Code, @TrxId, @AgentId, @StoreId, @TerminalId, @Outcome, @Reason, @PaymentId, @RequestBody, @CreatedAt)
        """,
        ("AcquirerId", e => e.AcquirerId), ("Kind", e => e.Kind), ("Code", e => e.Code), ("TrxId", e => e.TrxId), ("AgentId", e => e.AgentId),
        ("StoreId", e => e.StoreId), ("TerminalId", e => e.TerminalId), ("Outcome", e => e.Outcome), ("Reason", e => e.Reason),
        ("PaymentId", e => e.PaymentId), ("RequestBody", e => e.RequestBody), ("CreatedAt", e => e.CreatedAt));
}
