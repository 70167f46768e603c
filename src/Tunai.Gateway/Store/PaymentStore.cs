using System.Data.Common;
using Dapper;
using Tunai.Gateway.PaymentCodes;
using Tunai.Gateway.Storage;

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

/// <summary>
/// The SQL where money moves. Paying a code is one conditional UPDATE whose row count decides: at most one
/// payment of a non-reusable code, whatever the concurrency, and never after a cancel or past expiry.
/// </summary>
public static class PaymentStore
{
    private const string PaymentColumns =
        """
        id, payment_id, payment_code_id, merchant_id, acquirer_id, trx_id, code, invoice_number, amount, status,
        agent_id, store_id, terminal_id, store_date, additional_info, paid_at, reversed_at
        """;

    /// <summary>
    /// Takes the payment and inserts it, or returns null when the code could not be taken: it is no longer active,
    /// unexpired, of this amount (<paramref name="p"/>'s, the code's as read) and, unless reusable, unpaid. The row
    /// count of one conditional UPDATE decides. On PostgreSQL the update and the insert are one statement (the insert
    /// selects from the update's RETURNING), so a payment waits on the server once for both.
    /// </summary>
    public static async Task<Payment?> PayAsync(Database database, DbConnection c, DbTransaction tx, PaymentCode code, Payment p)
    {
        var take = code.Reusable
            ? """
              UPDATE payment_codes SET updated_at = @PaidAt
              WHERE id = @PaymentCodeId AND status = 'ACTIVE' AND reusable = 1 AND expires_at > @PaidAt AND amount = @Amount
              """
            : """
              UPDATE payment_codes SET status = 'PAID', paid_at = @PaidAt, updated_at = @PaidAt
              WHERE id = @PaymentCodeId AND status = 'ACTIVE' AND reusable = 0 AND expires_at > @PaidAt AND amount = @Amount
              """;
        if (c is StatementCachingConnection writer)
        {
            // SQLite's writer, where every payment runs: both statements bound straight to kept statements.
            return writer.Execute(take, TakeNames, [p.PaidAt, p.PaymentCodeId, p.Amount]) == 1
                ? p with { Id = writer.Insert(InsertRowSql, InsertNames, InsertValues(p)) }
                : null;
        }
        if (database.IsSqlite)
        {
            return await c.ExecuteAsync(take, p, tx) == 1 ? await InsertAsync(c, tx, p) : null;
        }
        return await c.ExecuteScalarAsync<long?>(
            $"""
            WITH taken AS ({take} RETURNING id)
            INSERT INTO payments ({InsertColumns}) SELECT {InsertValuesSql} FROM taken
            RETURNING id
            """, p, tx) is { } id ? p with { Id = id } : null;
    }

    private const string InsertColumns =
        """
        payment_id, payment_code_id, merchant_id, acquirer_id, trx_id, code, invoice_number, amount,
            status, agent_id, store_id, terminal_id, store_date, additional_info, paid_at
        """;

    private const string InsertValuesSql =
        """
        @PaymentId, @PaymentCodeId, @MerchantId, @AcquirerId, @TrxId, @Code, @InvoiceNumber, @Amount,
            @Status, @AgentId, @StoreId, @TerminalId, @StoreDate, @AdditionalInfo, @PaidAt
        """;

    private static readonly string[] TakeNames = ["PaidAt", "PaymentCodeId", "Amount"];

    private const string InsertRowSql = $"INSERT INTO payments ({InsertColumns}) VALUES ({InsertValuesSql})";

    /// <summary>The names of <see cref="InsertValuesSql"/>'s parameters, in the order of <see cref="InsertValues"/>.</summary>
    private static readonly string[] InsertNames =
    [
        "PaymentId", "PaymentCodeId", "MerchantId", "AcquirerId", "TrxId", "Code", "InvoiceNumber", "Amount",
        "Status", "AgentId", "StoreId", "TerminalId", "StoreDate", "AdditionalInfo", "PaidAt",
    ];

    private static object?[] InsertValues(Payment p) =>
    [
        p.PaymentId, p.PaymentCodeId, p.MerchantId, p.AcquirerId, p.TrxId, p.Code, p.InvoiceNumber, p.Amount,
        p.Status, p.AgentId, p.StoreId, p.TerminalId, p.StoreDate, p.AdditionalInfo, p.PaidAt,
    ];

    /// <summary>Inserts; the row as stored is <paramref name="p"/> with its id (only the id is read back: a wide RETURNING costs SQLite more than the insert).</summary>
    public static async Task<Payment> InsertAsync(DbConnection c, DbTransaction tx, Payment p) =>
        p with { Id = await c.ExecuteScalarAsync<long>(InsertRowSql + " RETURNING id", p, tx) };

    public static Task<Payment?> FindByTrxAsync(DbConnection c, DbTransaction tx, long acquirerId, string trxId) =>
        c.QuerySingleOrDefaultAsync<Payment>(
            $"SELECT {PaymentColumns} FROM payments WHERE acquirer_id = @acquirerId AND trx_id = @trxId",
            new { acquirerId, trxId }, tx);

    /// <summary>1 when this call reversed the payment: it was a success and is still inside the window.</summary>
    public static Task<int> ReverseAsync(DbConnection c, DbTransaction tx, long id, long now, long paidAfter) =>
        c.ExecuteAsync(
            "UPDATE payments SET status = 'REVERSED', reversed_at = @now WHERE id = @id AND status = 'SUCCESS' AND paid_at >= @paidAfter",
            new { id, now, paidAfter }, tx);

    /// <summary>A reversed payment of a non-reusable code makes it payable again (expiry still applies).</summary>
    public static Task<int> ReopenCodeAsync(DbConnection c, DbTransaction tx, long codeId, long now) =>
        c.ExecuteAsync(
            "UPDATE payment_codes SET status = 'ACTIVE', paid_at = NULL, updated_at = @now WHERE id = @codeId AND status = 'PAID'",
            new { codeId, now }, tx);

    public sealed record StoreEvent(long AcquirerId, string Kind, string? Code, string? TrxId, string? AgentId, string? StoreId,
        string? TerminalId, string Outcome, string? Reason, string? PaymentId, string RequestBody, long CreatedAt);

    /// <summary>Records a store request in the unit that answers it, with the unit's other last writes (see <see cref="WriteUnit.LaterAsync(string, object?, int)"/>).</summary>
    public static Task RecordAsync(WriteUnit unit, StoreEvent e) =>
        unit.LaterAsync(InsertEvent, EventNames,
            [e.AcquirerId, e.Kind, e.Code, e.TrxId, e.AgentId, e.StoreId, e.TerminalId, e.Outcome, e.Reason, e.PaymentId, e.RequestBody, e.CreatedAt],
            rows: 1);

    private static readonly string[] EventNames =
        ["AcquirerId", "Kind", "Code", "TrxId", "AgentId", "StoreId", "TerminalId", "Outcome", "Reason", "PaymentId", "RequestBody", "CreatedAt"];

    private const string InsertEvent =
        """
        INSERT INTO store_events (acquirer_id, kind, code, trx_id, agent_id, store_id, terminal_id, outcome, reason, payment_id, request_body, created_at)
        VALUES (@AcquirerId, @Kind, @Code, @TrxId, @AgentId, @StoreId, @TerminalId, @Outcome, @Reason, @PaymentId, @RequestBody, @CreatedAt)
        """;

    public static Task RecordAsync(DbConnection c, DbTransaction? tx, StoreEvent e) => c.ExecuteAsync(InsertEvent, e, tx);
}
