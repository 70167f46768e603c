using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Tunai.Gateway.Telemetry;

/// <summary>
/// The gateway's own metrics and spans, in one place so the features call one small method each. Attributes never
/// hold a secret, a customer's e-mail or a whole payment code: codes appear as their last four digits
/// (<see cref="Mask"/>), merchants by client id, acquirers by their code.
/// </summary>
public sealed class GatewayTelemetry
{
    /// <summary>Meter and ActivitySource name, for exporters' allow-lists.</summary>
    public const string Name = "Tunai.Gateway";

    /// <summary>Spans of the gateway's own work (a notification's delivery); requests get theirs from ASP.NET Core.</summary>
    public static readonly ActivitySource Source = new(Name);

    private readonly Counter<long> _codesCreated;
    private readonly Counter<long> _payments;
    private readonly Counter<long> _paymentAmount;
    private readonly Counter<long> _reversals;
    private readonly Counter<long> _reversalAmount;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _notificationAttempts;
    private readonly Histogram<double> _deliveryLag;

    private readonly TimeProvider _time;

    /// <summary>
    /// Bucket bounds of the delivery lag, in seconds: milliseconds when the merchant answers at once, up to the hours
    /// that retries with back-off can take.
    /// </summary>
    internal static readonly double[] DeliveryLagBuckets =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600];

    public GatewayTelemetry(IMeterFactory meters, Database database, TimeProvider time)
    {
        _time = time;
        // From the host's IMeterFactory: each gateway in a process (the test suite runs hundreds) has its own meter.
        var meter = meters.Create(Name);
        _codesCreated = meter.CreateCounter<long>("tunai.payment_codes.created", "{code}", "Payment codes created");
        _payments = meter.CreateCounter<long>("tunai.payments", "{payment}", "Payments accepted from a store");
        _paymentAmount = meter.CreateCounter<long>("tunai.payments.amount", "IDR", "Rupiah paid at stores");
        _reversals = meter.CreateCounter<long>("tunai.reversals", "{reversal}", "Payments reversed by a store");
        _reversalAmount = meter.CreateCounter<long>("tunai.reversals.amount", "IDR", "Rupiah reversed by stores");
        _refusals = meter.CreateCounter<long>("tunai.refusals", "{request}", "Requests refused, by reason (the error code or store status)");
        _notificationAttempts = meter.CreateCounter<long>("tunai.notifications.attempts", "{attempt}", "Notification delivery attempts, by outcome");
        _deliveryLag = meter.CreateHistogram<double>("tunai.notifications.delivery_lag", "s",
            "From the payment to the merchant's acknowledgement of its notification", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = DeliveryLagBuckets });
        // Read when a reader collects (an OTLP export, a Prometheus scrape), not on every write. Both use the
        // notifications_due index. Collection calls back synchronously, hence the blocking waits.
        meter.CreateObservableGauge("tunai.outbox.depth", () => Outbox(database,
            "SELECT COUNT(*) FROM notifications WHERE status = 'PENDING'") ?? 0, "{notification}", "Notifications not yet delivered nor given up");
        meter.CreateObservableGauge("tunai.outbox.oldest_pending_age", () => Outbox(database,
                "SELECT MIN(created_at) FROM notifications WHERE status = 'PENDING'") is { } oldest
                ? (time.GetUtcNow().ToUnixTimeMilliseconds() - oldest) / 1000.0 : 0.0,
            "s", "Age of the oldest notification not yet delivered nor given up");
        Meter = meter;
    }

    private static long? Outbox(Database database, string sql)
    {
        using var connection = database.OpenAsync().GetAwaiter().GetResult();
        return connection.ExecuteScalar<long?>(sql);
    }

    public Meter Meter { get; }

    /// <summary>A payment code as telemetry may show it: its last four digits.</summary>
    public static string Mask(string? code) =>
        code is null ? "" : code.Length <= 4 ? new string('*', code.Length) : "****" + code[^4..];

    public void CodeCreated(string clientId, string code)
    {
        _codesCreated.Add(1);
        Activity.Current?.SetTag("tunai.merchant.client_id", clientId).SetTag("tunai.payment_code", Mask(code));
    }

    /// <summary>A store's payment or reversal answered: names the code on the request's span, counts a refusal by its reason.</summary>
    public void StoreAnswered(string acquirer, string code, IResult answer)
    {
        Activity.Current?.SetTag("tunai.payment_code", Mask(code)).SetTag("tunai.acquirer", acquirer);
        if (StoreRefusal(answer) is { } reason)
        {
            Refused(reason);
        }
    }

    /// <summary>A payment (event SUCCESS) or its reversal (FAILED) is durable: counted once, where its notification is written.</summary>
    public void PaymentEvent(string acquirer, string @event, long amount)
    {
        var tag = new KeyValuePair<string, object?>("tunai.acquirer", acquirer);
        var (count, sum) = @event == "SUCCESS" ? (_payments, _paymentAmount) : (_reversals, _reversalAmount);
        count.Add(1, tag);
        sum.Add(amount, tag);
    }

    /// <summary>
    /// The reason a store answer gives for a refusal: the payment's status (billing_already_paid, ...) or the
    /// reversal's reason. Read back from the answer's bytes, only for refusals, so the store's handlers need not
    /// carry it out of their unit of work.
    /// </summary>
    private static string? StoreRefusal(IResult answer)
    {
        if (answer is not JsonBytesResult { Status: not StatusCodes.Status200OK } refusal)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(refusal.Body);
            var root = document.RootElement;
            if (root.TryGetProperty("online_to_offline_payment", out var payment) && payment.TryGetProperty("status", out var status))
            {
                return status.GetString();
            }
            return root.TryGetProperty("reason", out var reason) ? reason.GetString() : "refused";
        }
        catch (JsonException)
        {
            return "refused";
        }
    }

    public void Refused(string reason)
    {
        _refusals.Add(1, new KeyValuePair<string, object?>("tunai.reason", reason));
        Activity.Current?.SetTag("tunai.refusal", reason);
    }

    /// <summary>
    /// The span of one delivery attempt. It runs in the worker, long after the payment's request ended, so it is a
    /// trace of its own with a link to that request's span (when the payment was traced).
    /// </summary>
    public static Activity? StartDelivery(Notifications.Notification notification)
    {
        ActivityLink[]? links = ActivityContext.TryParse(notification.TraceParent, null, out var payment) ? [new ActivityLink(payment)] : null;
        return Source.StartActivity(ActivityKind.Internal, parentContext: default, name: "notification deliver", links: links)
            ?.SetTag("tunai.notification_id", notification.NotificationId)
            .SetTag("tunai.event", notification.Event)
            .SetTag("tunai.attempt", notification.Attempts + 1);
    }

    /// <summary>An attempt ended: delivered, failed with a retry to come, or given up (no attempt left).</summary>
    public void DeliveryAttempted(Activity? span, Notifications.Notification notification, bool delivered, int? status, bool retry)
    {
        var outcome = delivered ? "delivered" : retry ? "retry" : "given_up";
        _notificationAttempts.Add(1, new KeyValuePair<string, object?>("tunai.outcome", outcome));
        if (delivered)
        {
            _deliveryLag.Record((_time.GetUtcNow().ToUnixTimeMilliseconds() - notification.CreatedAt) / 1000.0);
        }
        span?.SetTag("tunai.outcome", outcome).SetTag("http.response.status_code", status)
            .SetStatus(delivered ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
    }
}
