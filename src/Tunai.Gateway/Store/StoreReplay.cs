using Microsoft.AspNetCore.Http.Features;
using Tunai.Gateway.Acquirers;
using Tunai.Gateway.Telemetry;

namespace Tunai.Gateway.Store;

/// <summary>The store requests whose first answer is kept per trx_id: a payment, and the reversal of one (under the payment's trx_id).</summary>
public enum StoreRequestKind
{
    Payment,
    Reversal,
}

/// <summary>
/// One rule for a store retrying a request with the same trx_id, shared by payment and reversal: the same body
/// gets the first answer again; another body under that trx_id is refused; and a payment whose first answer was a
/// success but which has been reversed since is never confirmed again (the till would hand over goods for a code
/// that is unpaid again, and the merchant was told FAILED), it is declined saying so. The first answer is stored in
/// the unit that did the work (<see cref="SaveAsync"/>), so an answer exists exactly when the work committed.
/// </summary>
public static class StoreReplay
{
    /// <summary>A refusal the caller words in its own wire shape: HTTP status, body and the outcome for store_events.</summary>
    public sealed record Refusal(int Status, byte[] Body, string Outcome);

    /// <summary>
    /// The answer to give when <paramref name="trxId"/> was seen before, or null when the request is new. A refusal
    /// (another body, or a reversed payment) is recorded in store_events and committed here.
    /// </summary>
    /// <param name="refuse">Words a refusal: (reason code, message) to the caller's wire shape.</param>
    /// <param name="record">The store_events row for a refusal, given its outcome, reason and the payment id (if any).</param>
    public static async Task<IResult?> TryReplayAsync(WriteUnit unit, StoreRequestKind kind, long acquirerId, string trxId, string hash,
        Func<string, string, Refusal> refuse, Func<string, string, string?, PaymentStore.StoreEvent> record)
    {
        var (connection, tx) = (unit.Connection, unit.Transaction);
        var first = await connection.QuerySingleOrDefaultAsync<(string Hash, long Status, byte[] Body)?>(
            """
            SELECT request_hash, response_status, response_body FROM store_transactions
            WHERE acquirer_id = @acquirerId AND kind = @kind AND trx_id = @trxId
            """, new { acquirerId, kind = Name(kind), trxId }, tx);
        if (first is not { } answer)
        {
            return null;
        }

        Refusal? refusal = null;
        string? reason = null;
        string? paymentId = null;
        if (!string.Equals(answer.Hash, hash, StringComparison.Ordinal))
        {
            reason = "trx_id_reused";
            refusal = refuse(reason, $"trx_id {trxId} was already used for a different {Name(kind).ToLowerInvariant()} request");
        }
        else if (kind == StoreRequestKind.Payment && answer.Status == StatusCodes.Status200OK
            && await connection.QuerySingleOrDefaultAsync<(string PaymentId, long? ReversedAt)?>(
                "SELECT payment_id, reversed_at FROM payments WHERE acquirer_id = @acquirerId AND trx_id = @trxId AND status = 'REVERSED'",
                new { acquirerId, trxId }, tx) is { } reversed)
        {
            reason = "payment_reversed";
            paymentId = reversed.PaymentId;
            var when = reversed.ReversedAt is { } at ? $" at {PaymentCodes.WireDates.Utc(DateTimeOffset.FromUnixTimeMilliseconds(at))}" : "";
            refusal = refuse(reason, $"The payment with trx_id {trxId} was reversed{when}; it is not confirmed again. Pay with a new trx_id");
        }
        if (refusal is null)
        {
            return new JsonBytesResult((int)answer.Status, answer.Body);
        }
        PaymentStore.Record(unit, record(refusal.Outcome, reason!, paymentId));
        unit.Commit();
        return new JsonBytesResult(refusal.Status, refusal.Body);
    }

    /// <summary>
    /// Whether a request of this kind with this trx_id was answered (committed), for a request that reads before its
    /// writes together: one that was takes the general path, where <see cref="TryReplayAsync"/> answers it.
    /// </summary>
    public static readonly Query<(long AcquirerId, StoreRequestKind Kind, string TrxId), FirstAnswer> Answered = new(
        """
        SELECT t.request_hash, t.response_status, t.response_body, p.payment_id AS reversed_payment
        FROM store_transactions t
        LEFT JOIN payments p ON t.kind = 'PAYMENT' AND p.acquirer_id = t.acquirer_id AND p.trx_id = t.trx_id AND p.status = 'REVERSED'
        WHERE t.acquirer_id = @acquirerId AND t.kind = @kind AND t.trx_id = @trxId
        """,
        r => new FirstAnswer(r.Text("request_hash"), (int)r.Long("response_status"), r.BlobOrNull("response_body")!, r.TextOrNull("reversed_payment") is not null),
        ("acquirerId", a => a.AcquirerId), ("kind", a => Name(a.Kind)), ("trxId", a => a.TrxId));

    /// <summary>The first answer to a trx_id as <see cref="Answered"/> read it, and whether its payment was reversed since.</summary>
    public sealed record FirstAnswer(string Hash, int Status, byte[] Body, bool Reversed);

    /// <summary>
    /// The first answer again when the request is the same and was not a payment reversed since (a committed answer, so
    /// on disk): a retry answered from one read. Null for what <see cref="TryReplayAsync"/> refuses and records.
    /// </summary>
    public static IResult? Again(FirstAnswer answer, string hash) =>
        string.Equals(answer.Hash, hash, StringComparison.Ordinal) && !(answer.Status == StatusCodes.Status200OK && answer.Reversed)
            ? new JsonBytesResult(answer.Status, answer.Body)
            : null;

    /// <summary><see cref="Save"/> as a write that follows <paramref name="after"/> in <paramref name="writes"/> (see <see cref="WriteTogether"/>).</summary>
    public static void SaveTogether(WriteTogether writes, int after, StoreRequestKind kind, long acquirerId, string trxId, string hash, int status,
        byte[] body, long now) =>
        writes.Then(after, SaveAnswer.Bind(new Answer(acquirerId, Name(kind), trxId, hash, status, body, now)));

    /// <summary>Keeps the first answer; the primary key makes a concurrent duplicate fail (see <see cref="RunAsync"/>).</summary>
    public static void Save(WriteUnit unit, StoreRequestKind kind, long acquirerId, string trxId, string hash, int status, byte[] body, long now) =>
        unit.Later(SaveAnswer, new Answer(acquirerId, Name(kind), trxId, hash, status, body, now), rows: 1);

    private sealed record Answer(long AcquirerId, string Kind, string TrxId, string Hash, int Status, byte[] Body, long Now);

    private static readonly Statement<Answer> SaveAnswer = new(
        """
        INSERT INTO store_transactions (acquirer_id, kind, trx_id, request_hash, response_status, response_body, created_at)
        VALUES (@acquirerId, @kind, @trxId, @hash, @status, @body, @now)
        """,
        ("acquirerId", a => a.AcquirerId), ("kind", a => a.Kind), ("trxId", a => a.TrxId), ("hash", a => a.Hash),
        ("status", a => a.Status), ("body", a => a.Body), ("now", a => a.Now));

    /// <summary>
    /// A payment or a reversal from the signed body to the answer: the body read by <paramref name="parse"/> (a refusal
    /// answers at once), its hash (what tells a retry from another request under the same trx_id), the work run by
    /// <see cref="RunAsync"/> and the answer counted for the acquirer and the code.
    /// </summary>
    public static async Task<IResult> AnswerAsync<TRequest>(HttpContext http, Func<JsonElement, (TRequest? Request, ApiError? Error)> parse,
        Func<TRequest, string> paymentCode, Func<Acquirer, TRequest, byte[], string, Task<IResult>> once) where TRequest : class
    {
        var acquirer = http.Features.GetRequiredFeature<Acquirer>();
        var body = http.Features.GetRequiredFeature<SignedCaller>().Body!;
        var (request, invalid) = RequestBody.ParseWith(body, parse);
        if (invalid is not null)
        {
            return invalid;
        }
        var r = request!;
        var hash = Convert.ToHexString(SHA256.HashData(body));
        var result = await RunAsync(() => once(acquirer, r, body, hash));
        http.RequestServices.GetRequiredService<GatewayTelemetry>().StoreAnswered(acquirer.Code, paymentCode(r), result);
        return result;
    }

    /// <summary>
    /// Runs one store request as a unit, once more if it lost a race: another request with this trx_id committed
    /// its answer first (a unique violation on store_transactions), and the second run finds and replays it.
    /// </summary>
    public static async Task<IResult> RunAsync(Func<Task<IResult>> once)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await once();
            }
            catch (Exception e) when (Database.IsUniqueViolation(e) && attempt == 0)
            {
                // The retry finds the first request's answer.
            }
        }
    }

    private static string Name(StoreRequestKind kind) => kind == StoreRequestKind.Payment ? "PAYMENT" : "REVERSAL";
}
