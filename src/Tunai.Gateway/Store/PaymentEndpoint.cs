using Tunai.Gateway.Acquirers;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Notifications;
using Tunai.Gateway.PaymentCodes;

namespace Tunai.Gateway.Store;

/// <summary>
/// A store takes the cash: one conditional UPDATE decides whether the code is paid, and the payment, the merchant's
/// notification and the answer kept for a retry (<see cref="StoreReplay"/>) commit together.
/// </summary>
public static class PaymentEndpoint
{
    public static Task<IResult> HandleAsync(HttpContext http, Database database, TimeProvider time, Outbox outbox, MerchantCache merchants) =>
        StoreReplay.AnswerAsync(http, root => StoreRequests.Parse(root, isPayment: true), r => r.PaymentCode,
            (acquirer, r, body, hash) => PayOnceAsync(database, outbox, merchants, acquirer, r, body, hash, time.GetUtcNow(), http.RequestAborted));

    /// <summary>One payment request: the payment, its journal, its notification, the store's event and the stored answer commit together.</summary>
    private static async Task<IResult> PayOnceAsync(Database database, Outbox outbox, MerchantCache merchants, Acquirer acquirer, StoreRequest r,
        byte[] body, string hash, DateTimeOffset now, CancellationToken ct)
    {
        var at = now.ToUnixTimeMilliseconds();
        // The usual case, a new trx_id for a code that can be paid, is read and then written together, every value made
        // in between (Database.ReadTogetherAsync, TryWriteTogetherAsync: one round trip each where units run side by side;
        // where a unit runs alone, the writer runs only the inserts). The code's taking
        // decides as in the unit below, so a change since the read (a payment, a cancel, a new amount) writes nothing,
        // and the request takes the unit below, which reads again and says why.
        var (answered, priced) = await database.ReadTogetherAsync(StoreReplay.Answered, (acquirer.Id, StoreRequestKind.Payment, r.TrxId),
            PaymentCodeStore.Priced, (r.PaymentCode, acquirer.Id, long.MaxValue), ct);
        if (answered is not null && StoreReplay.Again(answered, hash) is { } again)
        {
            return again;
        }
        if (answered is null && priced is not null
            && StoreAnswers.RefuseDisabled(await merchants.FindByIdAsync(priced.Code.MerchantId, ct)) is null
            && StoreAnswers.Refuse(priced.Code, r.Amount, now) is null)
        {
            var paid = PaymentStore.PayTogether(outbox, acquirer, priced,
                new PaymentStore.TakenAtStore(r.TrxId, r.AgentId, r.StoreId, r.TerminalId, r.Date, at), CodeTaking.Unexpired, at,
                StoreAnswers.Event(acquirer, "PAYMENT", r, StoreOutcome.Success, null, null, body, at), System.Diagnostics.Activity.Current?.Id);
            var answer = WireJson.Serialize(StoreAnswers.Paid(priced.Code, paid.Payment.PaymentId));
            StoreReplay.SaveTogether(paid.Writes, paid.PaymentWrite, StoreRequestKind.Payment, acquirer.Id, r.TrxId, hash, StatusCodes.Status200OK,
                answer, at);
            if (await database.TryWriteTogetherAsync(paid.Writes, ct) is { } written)
            {
                paid.Written(outbox, acquirer, written);
                return new JsonBytesResult(StatusCodes.Status200OK, answer);
            }
        }
        return await database.WriteAsync<IResult>(async unit =>
        {
            var replayed = await StoreReplay.TryReplayAsync(unit, StoreRequestKind.Payment, acquirer.Id, r.TrxId, hash,
                refuse: (_, message) => new StoreReplay.Refusal(StatusCodes.Status400BadRequest,
                    WireJson.Serialize(StoreAnswers.PaymentRefusal(r.PaymentCode, StoreOutcome.Decline, message)), StoreOutcome.Decline),
                record: (outcome, reason, paymentId) => StoreAnswers.Event(acquirer, "PAYMENT", r, outcome, reason, paymentId, body, at));
            if (replayed is not null)
            {
                return replayed;
            }

            PaymentResponse answer;
            Payment? payment = null;
            var priced = await PaymentCodeStore.FindPricedAsync(unit, r.PaymentCode, acquirer.Id);
            var code = priced?.Code;
            // The merchant's state comes from its cache (at most seconds old): a disable is an operator's decision, not
            // a race the payment must win or lose exactly.
            var refusal = code is null ? (StoreOutcome.NotFound, "The payment code is not known")
                : StoreAnswers.RefuseDisabled(await merchants.FindByIdAsync(code.MerchantId, unit)) ?? StoreAnswers.Refuse(code, r.Amount, now);
            if (refusal is null && await PaymentStore.PayAsync(unit, outbox, acquirer, priced!,
                    new PaymentStore.TakenAtStore(r.TrxId, r.AgentId, r.StoreId, r.TerminalId, r.Date, at), CodeTaking.Unexpired, at,
                    StoreAnswers.Event(acquirer, "PAYMENT", r, StoreOutcome.Success, null, null, body, at)) is { } paid)
            {
                // The payment, its journal transaction, the merchant's notification and the store's event are written.
                payment = paid;
                answer = StoreAnswers.Paid(code!, payment.PaymentId);
            }
            else
            {
                // Lost the conditional update to a concurrent payment or cancel: the code as it is now says why.
                refusal ??= StoreAnswers.Refuse((await PaymentCodeStore.FindByCodeAsync(unit.Connection, r.PaymentCode, unit.Transaction))!, r.Amount, now)
                    ?? (StoreOutcome.Decline, "The payment code changed while it was being paid");
                answer = StoreAnswers.PaymentRefusal(r.PaymentCode, refusal.Value.Status, refusal.Value.Message);
                PaymentStore.Record(unit, StoreAnswers.Event(acquirer, "PAYMENT", r, refusal.Value.Status, refusal.Value.Message, null, body, at));
            }

            var status = answer.OnlineToOfflinePayment.Status;
            var bytes = WireJson.Serialize(answer);
            var httpStatus = StoreOutcome.HttpStatus(status);
            StoreReplay.Save(unit, StoreRequestKind.Payment, acquirer.Id, r.TrxId, hash, httpStatus, bytes, at);
            unit.Commit();
            return new JsonBytesResult(httpStatus, bytes);
        }, ct);
    }
}
