using Tunai.Gateway.Acquirers;
using Tunai.Gateway.Ledger;
using Tunai.Gateway.Notifications;
using Tunai.Gateway.PaymentCodes;

namespace Tunai.Gateway.Store;

/// <summary>
/// A store takes a payment back within the reversal window, under the payment's trx_id: one conditional UPDATE
/// decides, the code becomes payable again and the merchant is told FAILED, in one unit. A retry of the same
/// reversal gets its first answer again (<see cref="StoreReplay"/>), not "already reversed".
/// </summary>
public static class ReversalEndpoint
{
    public static Task<IResult> HandleAsync(HttpContext http, Database database, TimeProvider time, TunaiOptions options, Outbox outbox) =>
        StoreReplay.AnswerAsync(http, StoreRequests.ParseReversal, r => r.PaymentCode,
            (acquirer, r, body, hash) => ReverseOnceAsync(database, outbox, options, acquirer, r, body, hash,
                time.GetUtcNow().ToUnixTimeMilliseconds(), http.RequestAborted));

    private static async Task<IResult> ReverseOnceAsync(Database database, Outbox outbox, TunaiOptions options, Acquirer acquirer,
        ReversalRequest r, byte[] body, string hash, long now, CancellationToken ct) =>
        await database.WriteAsync<IResult>(async unit =>
        {
            var (connection, tx) = (unit.Connection, unit.Transaction);
            var payment = await PaymentStore.FindByTrxAsync(connection, tx, acquirer.Id, r.TrxId);
            PaymentStore.StoreEvent Event(string outcome, string? reason, string? paymentId) =>
                new(acquirer.Id, "REVERSAL", r.PaymentCode, r.TrxId, payment?.AgentId, payment?.StoreId, payment?.TerminalId,
                    outcome, reason, paymentId, Encoding.UTF8.GetString(body), now);

            var replayed = await StoreReplay.TryReplayAsync(unit, StoreRequestKind.Reversal, acquirer.Id, r.TrxId, hash,
                refuse: (reason, message) => new StoreReplay.Refusal(StatusCodes.Status400BadRequest,
                    WireJson.Serialize(new ReversalResponse("failed", payment?.PaymentId, reason, message)), "failed"),
                record: (outcome, reason, _) => Event(outcome, reason, payment?.PaymentId));
            if (replayed is not null)
            {
                return replayed;
            }

            var paidAfter = now - (long)options.Store.ReversalWindow.TotalMilliseconds;
            (int Status, string Reason, string Message)? refusal = payment switch
            {
                null => (404, "payment_not_found", $"No payment was made with trx_id {r.TrxId}"),
                _ when payment.Code != r.PaymentCode => (400, "code_mismatch", $"trx_id {r.TrxId} paid another payment code"),
                { Status: "REVERSED" } => (400, "already_reversed", "The payment was already reversed"),
                _ when payment.PaidAt < paidAfter => (400, "reversal_window_passed",
                    $"A payment can be reversed within {options.Store.ReversalWindow.TotalMinutes} minutes"),
                _ => null,
            };
            if (refusal is null && await PaymentStore.ReverseAsync(connection, tx, payment!.Id, now, paidAfter) == 1)
            {
                await Journal.PostReversalAsync(unit, payment, now);
                await PaymentStore.ReopenCodeAsync(connection, tx, payment.PaymentCodeId, now);
                var code = await PaymentCodeStore.FindByIdAsync(connection, payment.PaymentCodeId, tx);
                await outbox.EnqueueAsync(unit, acquirer, code!, payment, "FAILED", DateTimeOffset.FromUnixTimeMilliseconds(now));
            }
            else
            {
                refusal ??= (400, "already_reversed", "The payment was already reversed");
            }
            var answer = refusal is { } no
                ? new ReversalResponse("failed", payment?.PaymentId, no.Reason, no.Message)
                : new ReversalResponse(StoreOutcome.Success, payment!.PaymentId);
            var status = refusal?.Status ?? StatusCodes.Status200OK;
            var bytes = WireJson.Serialize(answer);
            // Kept as the first answer once the payment was found: its outcome is final. A reversal that came
            // before its payment (not found) is not kept, so the same reversal succeeds once the payment is in.
            if (payment is not null)
            {
                StoreReplay.Save(unit, StoreRequestKind.Reversal, acquirer.Id, r.TrxId, hash, status, bytes, now);
            }
            PaymentStore.Record(unit, Event(answer.Status, refusal?.Reason, payment?.PaymentId));
            unit.Commit();
            return new JsonBytesResult(status, bytes);
        }, ct);
}
