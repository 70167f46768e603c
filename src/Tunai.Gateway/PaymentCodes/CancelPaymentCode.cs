using Tunai.Gateway.Audit;

namespace Tunai.Gateway.PaymentCodes;

/// <summary>
/// Cancelling a payment code, for every door that does it: the merchant API (a PATCH with cancel,
/// <see cref="UpdatePaymentCode"/>) and the back office's code page. Only a code that is neither paid nor cancelled
/// can be cancelled, and one conditional update's row count decides, so a payment racing the cancel wins or loses
/// cleanly; a refusal says which the code is now. The cancel runs in the caller's unit, which commits it (with the
/// Request-Id's answer, for the API); a person's cancel is audited in that unit with who made it.
/// </summary>
public static class CancelPaymentCode
{
    public enum Outcome
    {
        Cancelled,
        NotFound,
        Paid,
        AlreadyCancelled,
    }

    /// <param name="Code">The code as it is now: cancelled, or as found when refused; null when not found.</param>
    public sealed record Result(Outcome Outcome, PaymentCode? Code);

    /// <summary>Finds <paramref name="code"/> (among <paramref name="merchantId"/>'s codes only, when given) and cancels it.</summary>
    public static async Task<Result> RunAsync(WriteUnit unit, string code, long? merchantId, long now, AuditActor? auditAs)
    {
        var current = merchantId is { } id
            ? await PaymentCodeStore.FindAsync(unit.Connection, id, code, unit.Transaction)
            : await PaymentCodeStore.FindByCodeAsync(unit.Connection, code, unit.Transaction);
        return current is null ? new Result(Outcome.NotFound, null) : await RunAsync(unit, current, now, auditAs);
    }

    /// <summary>
    /// Cancels <paramref name="current"/>, read earlier in this unit. <paramref name="auditAs"/> is the person or
    /// credential to record in the audit trail; null for a merchant's own API call, whose record is its Request-Id.
    /// </summary>
    public static async Task<Result> RunAsync(WriteUnit unit, PaymentCode current, long now, AuditActor? auditAs)
    {
        var cancelled = await PaymentCodeStore.CancelAsync(unit.Connection, unit.Transaction, current.Id, now);
        if (cancelled is null)
        {
            var latest = await LatestAsync(unit, current);
            return new Result(latest.Status == CodeStatus.Paid ? Outcome.Paid : Outcome.AlreadyCancelled, latest);
        }
        if (auditAs is not null)
        {
            await AuditTrail.WriteAsync(unit, auditAs, "payment_code.cancel", current.Code,
                new { status = current.Status }, new { status = cancelled.Status }, now);
        }
        return new Result(Outcome.Cancelled, cancelled);
    }

    /// <summary>
    /// The code as it is now, after a conditional change to it was refused: lost to a concurrent payment or cancel,
    /// its status says which.
    /// </summary>
    public static async Task<PaymentCode> LatestAsync(WriteUnit unit, PaymentCode current) =>
        await PaymentCodeStore.FindAsync(unit.Connection, current.MerchantId, current.Code, unit.Transaction) ?? current;
}
