using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using Dapper;
using Tunai.Gateway.Configuration;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Outbound;
using Tunai.Gateway.Storage;
using Tunai.Signing;

namespace Tunai.Gateway.Notifications;

/// <summary>
/// How this instance's requests reach its worker: a notification committed here is handed over at once (born
/// leased to <see cref="Owner"/>, so no claim stands between the commit and the attempt), and the worker is woken
/// to look in the outbox when anything else may have become due. A hand-over alone does not make the worker look
/// in the outbox: at a thousand payments a second those looks were most of the SQLite writer's work.
/// </summary>
public sealed class NotificationSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    private int _lookInOutbox;
    private readonly Channel<Notification> _fresh = Channel.CreateUnbounded<Notification>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>This instance's worker, as lease owner.</summary>
    public string Owner { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>Hands over a notification leased to <see cref="Owner"/> whose transaction has committed.</summary>
    public void Deliver(Notification notification)
    {
        _fresh.Writer.TryWrite(notification);
        Nudge();
    }

    public bool TryTakeFresh(out Notification notification) => _fresh.Reader.TryRead(out notification!);

    /// <summary>Rows in the outbox may have become due (a replay, a row given back): the worker looks at once.</summary>
    public void Wake()
    {
        Volatile.Write(ref _lookInOutbox, 1);
        Nudge();
    }

    /// <summary>True once after <see cref="Wake"/>.</summary>
    public bool TakeOutboxWake() => Interlocked.Exchange(ref _lookInOutbox, 0) == 1;

    /// <summary>Wakes the worker without sending it to the outbox: a hand-over, or a delivery slot came free.</summary>
    public void Nudge()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // already awake
        }
    }

    public void Dispose() => _signal.Dispose();

    /// <summary>Returns when woken or after <paramref name="timeout"/>; the loser is cancelled so it eats no later wake-up.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var woken = _signal.WaitAsync(both.Token);
        var delay = Task.Delay(timeout, time, both.Token);
        await Task.WhenAny(woken, delay);
        await both.CancelAsync();
        try
        {
            await Task.WhenAll(woken, delay);
        }
        catch (OperationCanceledException)
        {
            // the one that lost
        }
        ct.ThrowIfCancellationRequested();
    }
}

/// <summary>
/// Delivers due notifications from the outbox: signed per attempt with the merchant's credentials, the same
/// Request-Id and body every time, any 2xx within the timeout counts, redirects are not followed, failures are
/// retried on the schedule (Retry-After honoured on 429 and 503). Each delivery runs on its own, bounded in
/// total and per merchant, so a slow merchant delays nobody else and never the till.
/// </summary>
public sealed class NotificationWorker(
    Database database,
    MerchantCache merchants,
    TunaiOptions options,
    TimeProvider time,
    IHttpClientFactory httpClients,
    NotificationSignal signal,
    ILogger<NotificationWorker> logger) : BackgroundService
{
    private const int ExcerptBytes = 4096;
    private readonly string _owner = signal.Owner;
    /// <summary>Per merchant: rows claimed whose attempt has not been answered yet.</summary>
    private readonly ConcurrentDictionary<long, int> _perMerchant = new();
    /// <summary>Per merchant: how many attempts may be talking to it at once.</summary>
    private readonly ConcurrentDictionary<long, SemaphoreSlim> _merchantGates = new();
    private readonly IReadOnlyList<TimeSpan> _delays = options.Notifications.Delays();
    private int _inFlight;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var n = options.Notifications;
        var deliveries = new List<Task>();
        var lastLook = 0L;
        var backlog = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                // Handed over by this instance's payments first: they are leased to this worker already.
                while (Volatile.Read(ref _inFlight) < n.MaxConcurrentDeliveries && signal.TryTakeFresh(out var fresh))
                {
                    Start(fresh);
                    claimed++;
                }
                var free = n.MaxConcurrentDeliveries - Volatile.Read(ref _inFlight);
                // The outbox is read on the poll's cadence, when woken for it, or while the last look filled every
                // free slot (more may be waiting): rows become due there only by time, replays and rows given back.
                if (free > 0 && (signal.TakeOutboxWake() || backlog || Stopwatch.GetElapsedTime(lastLook) >= n.PollInterval))
                {
                    lastLook = Stopwatch.GetTimestamp();
                    var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                    var leaseUntil = LeaseUntil(options, now);
                    // A merchant's next rows are claimed while its current ones are being delivered, so its slots
                    // never wait for a claim: up to twice its limit may be held before it gets no more this round
                    // (and at most its limit more in one round). Those waiting for a slot wait at most one timeout.
                    var busy = _perMerchant.Where(m => m.Value >= 2 * n.MaxConcurrentPerMerchant).Select(m => m.Key).ToList();
                    var rows = await NotificationStore.ClaimAsync(database, _owner, free, n.MaxConcurrentPerMerchant, busy, now, leaseUntil, stoppingToken);
                    foreach (var row in rows)
                    {
                        Start(row);
                        claimed++;
                    }
                    backlog = rows.Count == free;
                }
                deliveries.RemoveAll(t => t.IsCompleted);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Reading the notification outbox failed; will try again");
            }
            if (claimed == 0)
            {
                try
                {
                    // The cadence of reading the outbox is the machine's, not business time: due times are
                    // compared with the injected clock, but the poll itself must not wait for that clock to move.
                    await signal.WaitAsync(n.PollInterval, TimeProvider.System, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        await Task.WhenAll(deliveries);
        // Handed over but not started: give them back so the next worker need not wait for the lease to run out.
        while (signal.TryTakeFresh(out var left))
        {
            try
            {
                await NotificationStore.ReleaseAsync(database, left.Id, _owner);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Notification {NotificationId} keeps its lease until it runs out", left.NotificationId);
            }
        }

        void Start(Notification row)
        {
            _perMerchant.AddOrUpdate(row.MerchantId, 1, (_, c) => c + 1);
            Interlocked.Increment(ref _inFlight);
            deliveries.Add(Task.Run(() => DeliverAsync(row, stoppingToken), CancellationToken.None));
        }
    }

    /// <summary>
    /// Until when a worker holds a row it claimed (or that was born leased to it): longer than an attempt's timeout
    /// and its recording, so only a dead worker's rows are taken over.
    /// </summary>
    public static long LeaseUntil(TunaiOptions options, long now) =>
        now + (long)(options.Notifications.Timeout * 2 + TimeSpan.FromSeconds(5)).TotalMilliseconds;

    private async Task DeliverAsync(Notification notification, CancellationToken stoppingToken)
    {
        var leaseUntil = notification.LeaseUntil ?? 0;
        var n = options.Notifications;
        var gate = _merchantGates.GetOrAdd(notification.MerchantId, _ => new SemaphoreSlim(n.MaxConcurrentPerMerchant));
        var answered = false;
        var released = false;
        try
        {
            NotificationStore.AttemptResult result;
            await gate.WaitAsync(stoppingToken);
            try
            {
                // Waiting for the merchant's turn ate into the lease: give the row back rather than risk another
                // worker taking it over while this attempt is still running.
                if (time.GetUtcNow().ToUnixTimeMilliseconds() + (long)(n.Timeout + TimeSpan.FromSeconds(5)).TotalMilliseconds > leaseUntil)
                {
                    await NotificationStore.ReleaseAsync(database, notification.Id, _owner);
                    released = true;
                    return;
                }
                result = await AttemptAsync(notification, stoppingToken);
            }
            finally
            {
                // The merchant's slot is free as soon as it answered; recording the attempt does not hold it.
                gate.Release();
                _perMerchant.AddOrUpdate(notification.MerchantId, 0, (_, c) => c - 1);
                answered = true;
            }
            await NotificationStore.RecordAttemptAsync(database, notification, _owner, result, time.GetUtcNow().ToUnixTimeMilliseconds());
        }
        catch (Exception e)
        {
            // Shutting down or the database failed: the lease runs out and the row is delivered again later.
            logger.LogWarning(e, "Notification {NotificationId} attempt was not recorded", notification.NotificationId);
        }
        finally
        {
            if (!answered)
            {
                _perMerchant.AddOrUpdate(notification.MerchantId, 0, (_, c) => c - 1);
            }
            Interlocked.Decrement(ref _inFlight);
            if (released)
            {
                signal.Wake();
            }
            else
            {
                signal.Nudge();
            }
        }
    }

    private async Task<NotificationStore.AttemptResult> AttemptAsync(Notification notification, CancellationToken stoppingToken)
    {
        var merchant = await merchants.FindByIdAsync(notification.MerchantId, stoppingToken);
        // The merchant's URL as it is now, so fixing a broken URL and replaying works.
        var url = notification.OverrideUrl ?? merchant?.NotificationUrl;
        if (merchant is null || url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return Failed(notification, url, null, 0, null, "The merchant has no notification URL configured", null);
        }

        // Request-Target is the URL's path as it goes on the wire (a %20 stays %20), the form every verifier accepts.
        var signed = SignedEnvelope.SignRequest(merchant.ClientId, merchant.SecretKey, notification.RequestId, time.GetUtcNow(),
            RequestTarget.Of(uri), notification.Body);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(notification.Body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in signed.ToList())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(options.Notifications.Timeout);
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await httpClients.CreateClient(OutboundHttp.ClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var excerpt = await ReadExcerptAsync(response, timeout.Token);
            var code = (int)response.StatusCode;
            if (code is >= 200 and < 300)
            {
                return new NotificationStore.AttemptResult(url, code, watch.ElapsedMilliseconds, excerpt, null, Delivered: true, null);
            }
            var retryAfter = code is 429 or 503 ? RetryAfter(response) : null;
            var error = code is >= 300 and < 400 ? $"HTTP {code} redirect (not followed)" : $"HTTP {code}";
            return Failed(notification, url, code, watch.ElapsedMilliseconds, excerpt, error, retryAfter);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return Failed(notification, url, null, watch.ElapsedMilliseconds, null, $"No answer within {options.Notifications.Timeout.TotalSeconds} s", null);
        }
        catch (HttpRequestException e)
        {
            return Failed(notification, url, null, watch.ElapsedMilliseconds, null, e.InnerException is OutboundAddressRefusedException r ? r.Message : e.Message, null);
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

    /// <summary>How many attempts a new notification gets: the immediate one plus one per delay.</summary>
    public static int MaxAttempts(TunaiOptions options) => options.Notifications.Delays().Count + 1;
}
