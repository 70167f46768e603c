using Tunai.Gateway.PaymentCodes;
using Tunai.Gateway.Acquirers;
using Tunai.Gateway.Store;

namespace Tunai.Gateway.Notifications;

/// <summary>
/// The one way to tell a merchant about a payment event. <see cref="EnqueueAsync"/> writes the notification in the
/// caller's unit of work, so it commits with the payment (or reversal) or not at all, and arranges with the unit
/// that the row reaches this instance's worker once the commit is durable. Callers know nothing of leases,
/// attempts or the worker: that policy is <see cref="NotificationPolicy"/>'s.
/// </summary>
public sealed class Outbox(TunaiOptions options, NotificationSignal signal, Telemetry.GatewayTelemetry telemetry, TimeProvider time)
{
    /// <summary>
    /// Writes the notification of <paramref name="payment"/>: <paramref name="event"/> is SUCCESS for a payment and
    /// FAILED for its reversal, at <paramref name="eventTime"/>. The row is born leased to this instance's worker
    /// (no claim stands between the commit and the first attempt); if this instance dies first, another takes the
    /// lease over as soon as the instance is known dead (see <c>Instances/InstanceRegistry</c>).
    /// </summary>
    public async Task<Notification> EnqueueAsync(WriteUnit unit, Acquirer acquirer, PaymentCode code, Payment payment,
        string @event, DateTimeOffset eventTime)
    {
        var row = await NotificationStore.InsertAsync(unit, NewRow(code, payment, @event, eventTime, unit.TraceParent), signal.Owner);
        unit.AfterCommit(() => Written(row, acquirer, payment.Amount));
        return row;
    }

    /// <summary>
    /// <see cref="EnqueueAsync"/> as a write that follows the payment's own (<paramref name="paymentWrite"/>) in
    /// <paramref name="writes"/> (see <see cref="WriteTogether"/>), reading its new id. Once they are written, the caller
    /// hands the row over with <see cref="Written"/>, its id and payment id those written.
    /// </summary>
    public (Notification Row, int Write) EnqueueTogether(WriteTogether writes, int paymentWrite, PaymentCode code, Payment payment,
        string @event, DateTimeOffset eventTime, string? traceParent)
    {
        var row = NewRow(code, payment, @event, eventTime, traceParent);
        return (row, NotificationStore.InsertTogether(writes, paymentWrite, row, signal.Owner));
    }

    /// <summary>A notification is durable: this instance's worker takes it at once, and the payment event is counted.</summary>
    public void Written(Notification row, Acquirer acquirer, long amount)
    {
        signal.Deliver(row);
        telemetry.PaymentEvent(acquirer.Code, row.Event, amount);
    }

    private Notification NewRow(PaymentCode code, Payment payment, string @event, DateTimeOffset eventTime, string? traceParent)
    {
        // The row's schedule starts when it is written, whenever the event was: a payment recorded later (from a
        // store's daily file) has an event hours old, and a lease computed from it would have run out at birth.
        var at = Math.Max(eventTime.ToUnixTimeMilliseconds(), time.GetUtcNow().ToUnixTimeMilliseconds());
        var row = new Notification
        {
            NotificationId = TimeOrderedIds.New("NTF-", at),
            MerchantId = code.MerchantId,
            PaymentId = payment.Id,
            Event = @event,
            RequestId = Guid.NewGuid().ToString(),
            OverrideUrl = code.OverrideNotificationUrl,
            Body = Body(code, payment, @event, eventTime),
            Status = "PENDING",
            MaxAttempts = NotificationPolicy.MaxAttempts(options),
            NextAttemptAt = at,
            CreatedAt = at,
            LeaseUntil = NotificationPolicy.LeaseUntil(options, at),
            TraceParent = traceParent,
        };
        return row;
    }

    /// <summary>The wire body, serialized once: the same bytes go out on every attempt.</summary>
    private static byte[] Body(PaymentCode code, Payment payment, string @event, DateTimeOffset eventTime)
    {
        // additional_info as it was when paid (a direct-inquiry code's row is rewritten by the next inquiry).
        using var additional = JsonDocument.Parse(payment.AdditionalInfo ?? "{}");
        return WireJson.Serialize(new PaymentNotification(
            // acquirer.id is the channel's (ALFA), not the code of the connection the store signed with.
            new IdRef(AlfaChannel.ServiceId), new IdRef(AlfaChannel.AcquirerId), new IdRef(AlfaChannel.ChannelId),
            new NotificationOrder(payment.InvoiceNumber, payment.Amount),
            new NotificationCodeInfo(payment.Code),
            new NotificationPayment([
                new Identifier("AGENT_ID", payment.AgentId),
                new Identifier("AGENT_STORE_ID", payment.StoreId),
                new Identifier("AGENT_TRX_ID", payment.TrxId),
            ]),
            new NotificationTransaction(@event, WireDates.Utc(eventTime), code.RequestId),
            additional.RootElement));
    }
}

/// <summary>How long a worker holds a row, and how many attempts a notification gets: one place for both.</summary>
public static class NotificationPolicy
{
    /// <summary>
    /// Until when a worker holds a row it claimed (or that was born leased to it): longer than an attempt's timeout
    /// and its recording, so a live worker's row is never taken from it. A dead instance's rows are given back as
    /// soon as it is known dead; the lease's end is the backstop when no live instance notices.
    /// </summary>
    public static long LeaseUntil(TunaiOptions options, long now) =>
        now + (long)(options.Notifications.Timeout * 2 + TimeSpan.FromSeconds(5)).TotalMilliseconds;

    /// <summary>How many attempts a new notification gets: the immediate one plus one per delay.</summary>
    public static int MaxAttempts(TunaiOptions options) => options.Notifications.Delays().Count + 1;
}
