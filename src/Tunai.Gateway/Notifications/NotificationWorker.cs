using System.Diagnostics;

namespace Tunai.Gateway.Notifications;

/// <summary>
/// Schedules deliveries: rows handed over by this instance's <see cref="Outbox"/> first, then due rows claimed
/// from the outbox (retries that fell due, replays, rows given back by a dead or stopped instance). Each delivery
/// runs on its own, bounded in total (<c>MaxConcurrentDeliveries</c>) and per merchant (<see cref="MerchantLimiter"/>),
/// so a slow merchant delays nobody else and never the till. What one attempt does is <see cref="NotificationAttempt"/>'s.
/// </summary>
public sealed class NotificationWorker(
    Database database,
    TunaiOptions options,
    TimeProvider time,
    NotificationSignal signal,
    NotificationAttempt attempt,
    MerchantLimiter merchants,
    ILogger<NotificationWorker> logger) : BackgroundService
{
    private readonly string _owner = signal.Owner;
    private int _inFlight;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var n = options.Notifications;
        var deliveries = new List<Task>();
        var lastLook = 0L;
        var backlog = false;
        // The database away: the outbox is read less and less often (up to every 5 s), not at every poll.
        var outbox = new Backoff(n.PollInterval, TimeSpan.FromSeconds(5), logger, "Reading the notification outbox");
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
                if (free > 0 && (signal.TakeOutboxWake() || backlog || Stopwatch.GetElapsedTime(lastLook) >= outbox.Pause))
                {
                    lastLook = Stopwatch.GetTimestamp();
                    var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                    // A merchant's next rows are claimed while its current ones are being delivered, so its slots
                    // never wait for a claim: up to twice its limit may be held before it gets no more this round
                    // (and at most its limit more in one round). Those waiting for a slot wait at most one timeout.
                    var rows = await NotificationStore.ClaimAsync(database, _owner, free, n.MaxConcurrentPerMerchant, merchants.Busy(),
                        now, NotificationPolicy.LeaseUntil(options, now), stoppingToken);
                    foreach (var row in rows)
                    {
                        Start(row);
                        claimed++;
                    }
                    backlog = rows.Count == free;
                    outbox.Succeeded();
                }
                deliveries.RemoveAll(t => t.IsCompleted);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                backlog = false;
                outbox.Failed(e);
            }
            if (claimed == 0)
            {
                try
                {
                    // The cadence of reading the outbox is the machine's, not business time: due times are
                    // compared with the injected clock, but the poll itself must not wait for that clock to move.
                    await signal.WaitAsync(outbox.Pause, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        await Task.WhenAll(deliveries);
        // Whatever this worker still holds (handed over but not started, attempts cut short by the shutdown) is given
        // back at once, so the next worker need not wait for a lease to run out.
        while (signal.TryTakeFresh(out _))
        {
        }
        try
        {
            var released = await NotificationStore.ReleaseAllAsync(database, _owner);
            if (released > 0)
            {
                logger.LogInformation("Gave back {Count} notification leases at shutdown", released);
            }
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Notification leases were not given back; another instance takes them over once this one is known dead");
        }

        void Start(Notification row)
        {
            merchants.Hold(row.MerchantId);
            Interlocked.Increment(ref _inFlight);
            deliveries.Add(Task.Run(() => DeliverAsync(row, stoppingToken), CancellationToken.None));
        }
    }

    private async Task DeliverAsync(Notification notification, CancellationToken stoppingToken)
    {
        var leaseUntil = notification.LeaseUntil ?? 0;
        var n = options.Notifications;
        var answered = false;
        var released = false;
        try
        {
            NotificationStore.AttemptResult result;
            using (await merchants.TurnAsync(notification.MerchantId, stoppingToken))
            {
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
                    result = await attempt.SendAsync(notification, stoppingToken);
                }
                finally
                {
                    // The merchant's turn ends as soon as it answered; recording the attempt does not hold it.
                    merchants.Answered(notification.MerchantId);
                    answered = true;
                }
            }
            await NotificationStore.RecordAttemptAsync(database, notification, _owner, result, time.GetUtcNow().ToUnixTimeMilliseconds());
        }
        catch (Exception e)
        {
            // Shutting down or the database failed: the row is given back at shutdown, or taken over once this
            // instance is known dead, or its lease runs out; it is delivered again later.
            logger.LogWarning(e, "Notification {NotificationId} attempt was not recorded", notification.NotificationId);
        }
        finally
        {
            if (!answered)
            {
                merchants.Answered(notification.MerchantId);
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
}
