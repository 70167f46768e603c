using System.Diagnostics;
using System.Net.Http.Headers;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Outbound;
using Tunai.Signing;
using Tunai.Gateway.Clock;

namespace Tunai.Gateway.Notifications;

/// <summary>
/// One delivery attempt: signed with the merchant's credentials at the moment of sending, the row's Request-Id
/// and body bytes unchanged, to the merchant's URL as it is now (so fixing a URL and replaying works). Any 2xx
/// within the timeout is a delivery; redirects are not followed; a failure is given its next attempt time from
/// the retry schedule (Retry-After honoured on 429 and 503). To a merchant speaking SNAP the same notification goes
/// in SNAP form (<see cref="Snap.SnapMerchantMessages.PaymentAsync"/>, <see cref="Snap.SnapOutbound"/>): delivered
/// when the answer is a 2xx whose <c>responseCode</c> begins with 200.
/// </summary>
public sealed class NotificationAttempt(
    MerchantCache merchants,
    Storage.Database database,
    Snap.SnapOutbound snap,
    TunaiOptions options,
    TimeProvider time,
    IHttpClientFactory httpClients,
    Telemetry.GatewayTelemetry telemetry,
    ILogger<NotificationAttempt> logger)
{
    private const int ExcerptBytes = 4096;
    private readonly IReadOnlyList<TimeSpan> _delays = options.Notifications.Delays();

    /// <summary>
    /// The body a notification is sent with to <paramref name="merchant"/> as it is now: the stored body
    /// (<paramref name="stored"/>, the Alfa O2O form), or to a merchant speaking SNAP the same notification in SNAP form,
    /// which is made from the stored rows alone, so every attempt sends the same bytes. What the delivery log shows as
    /// sent is this, so it is what went out, not the stored form a SNAP merchant never sees.
    /// </summary>
    public static async Task<byte[]> BodyAsync(Storage.Database database, Merchant? merchant, long paymentRowId, string @event, byte[] stored,
        CancellationToken ct) =>
        merchant?.SpeaksSnap == true ? await Snap.SnapMerchantMessages.PaymentAsync(database, paymentRowId, @event, stored, ct) : stored;

    public async Task<NotificationStore.AttemptResult> SendAsync(Notification notification, CancellationToken stoppingToken)
    {
        // The outbound call's span is this one's child; this one links to the payment's request.
        using var span = Telemetry.GatewayTelemetry.StartDelivery(notification);
        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            ["NotificationId"] = notification.NotificationId, ["MerchantId"] = notification.MerchantId, ["PaymentRowId"] = notification.PaymentId,
        });
        var result = await AttemptAsync(notification, stoppingToken);
        telemetry.DeliveryAttempted(span, notification, result.Delivered, result.StatusCode, result.NextAttemptAt is not null);
        return result;
    }

    private async Task<NotificationStore.AttemptResult> AttemptAsync(Notification notification, CancellationToken stoppingToken)
    {
        var merchant = await merchants.FindByIdAsync(notification.MerchantId, stoppingToken);
        var url = notification.OverrideUrl ?? (merchant?.SpeaksSnap == true ? merchant.SnapNotificationUrl : merchant?.NotificationUrl);
        if (merchant is null || url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return Failed(notification, url, null, 0, null, "The merchant has no notification URL configured", null);
        }
        if (merchant.IsDisabled)
        {
            return Failed(notification, url, null, 0, null, "The merchant is disabled; nothing is sent to it", null);
        }
        string? snapToken = null;
        HttpRequestMessage request;
        string sent;
        if (merchant.SpeaksSnap)
        {
            // The same X-EXTERNAL-ID on every attempt: the merchant recognises a notification it already has.
            var body = await BodyAsync(database, merchant, notification.PaymentId, notification.Event, notification.Body, stoppingToken);
            var (call, error) = await snap.PrepareAsync(merchant, uri, body, notification.RequestId, stoppingToken);
            if (call is null)
            {
                return Failed(notification, url, null, 0, null, error!, null);
            }
            (request, sent, snapToken) = (call.Request, call.SentHeaders, call.Token);
        }
        else
        {
            // Request-Target is the URL's path as it goes on the wire (a %20 stays %20), the form every verifier accepts.
            var signed = SignedEnvelope.SignRequest(merchant.ClientId, merchant.OutboundKey(time.GetUtcNow()), notification.RequestId, time.WallClock().GetUtcNow(),
                RequestTarget.Of(uri), notification.Body);
            request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(notification.Body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            foreach (var (name, value) in signed.ToList())
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
            // What went out, for the attempt's record: the signed headers (the signature, never the key) and the body's type.
            sent = string.Join('\n', signed.ToList().Select(h => $"{h.Key}: {h.Value}").Prepend("Content-Type: application/json"));
        }
        using var sending = request;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(options.Notifications.Timeout);
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await httpClients.CreateClient(OutboundHttp.ClientFor(merchant, uri, notification.OverrideUrl is not null))
                .SendAsync(sending, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var excerpt = await ReadExcerptAsync(response, timeout.Token);
            var code = (int)response.StatusCode;
            if (snapToken is not null && code == 401)
            {
                // The merchant no longer takes the token: the next attempt asks for a new one.
                snap.Forget(merchant.Id, snapToken);
            }
            if (code is >= 200 and < 300 && snapToken is not null && !SnapDelivered(excerpt))
            {
                return Failed(notification, url, code, watch.ElapsedMilliseconds, excerpt,
                    $"HTTP {code} with responseCode {Snap.SnapOutbound.ResponseCode(excerpt is null ? null : Encoding.UTF8.GetBytes(excerpt)) ?? "(none)"}, not 200xxxx", null)
                    with { RequestHeaders = sent };
            }
            if (code is >= 200 and < 300)
            {
                return new NotificationStore.AttemptResult(url, code, watch.ElapsedMilliseconds, excerpt, null, Delivered: true, null) { RequestHeaders = sent };
            }
            var retryAfter = code is 429 or 503 ? RetryAfter(response) : null;
            var error = code is >= 300 and < 400 ? $"HTTP {code} redirect (not followed)" : $"HTTP {code}";
            return Failed(notification, url, code, watch.ElapsedMilliseconds, excerpt, error, retryAfter) with { RequestHeaders = sent };
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return Failed(notification, url, null, watch.ElapsedMilliseconds, null, $"No answer within {options.Notifications.Timeout.TotalSeconds} s", null)
                with { RequestHeaders = sent };
        }
        catch (HttpRequestException e)
        {
            return Failed(notification, url, null, watch.ElapsedMilliseconds, null, e.InnerException is OutboundAddressRefusedException r ? r.Message : e.Message, null)
                with { RequestHeaders = sent };
        }
    }

    /// <summary>A SNAP merchant's answer: delivered when its responseCode (a string or a number) begins with 200.</summary>
    private static bool SnapDelivered(string? excerpt)
    {
        if (excerpt is null)
        {
            return false;
        }
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(excerpt);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && Snap.SnapOutbound.StartsWith200(document.RootElement);
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private NotificationStore.AttemptResult Failed(Notification n, string? url, int? code, long latency, string? excerpt, string error, TimeSpan? retryAfter)
    {
        var attempt = n.Attempts + 1; // the one just made
        long? next = null;
        if (attempt < n.MaxAttempts && attempt - 1 < _delays.Count)
        {
            var delay = retryAfter ?? Jitter(_delays[attempt - 1]);
            next = time.GetUtcNow().Add(delay).ToUnixTimeMilliseconds();
        }
        logger.LogInformation("Notification {NotificationId} attempt {Attempt} failed: {Error}", n.NotificationId, attempt, error);
        return new NotificationStore.AttemptResult(url, code, latency, excerpt, error, Delivered: false, next);
    }

    /// <summary>±20 %, so merchants coming back after an outage are not hit by every retry at once.</summary>
    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + (Random.Shared.NextDouble() * 0.4));

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        return delay is { } d ? TimeSpan.FromTicks(Math.Clamp(d.Ticks, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromDays(1).Ticks)) : null;
    }

    private static async Task<string?> ReadExcerptAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[ExcerptBytes];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), ct)) > 0)
        {
            total += read;
        }
        return total == 0 ? null : Encoding.UTF8.GetString(buffer, 0, total);
    }
}
