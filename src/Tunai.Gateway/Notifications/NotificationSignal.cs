using System.Threading.Channels;
using Tunai.Gateway.Instances;

namespace Tunai.Gateway.Notifications;

/// <summary>
/// How this instance's requests reach its worker: a notification committed here is handed over at once (born
/// leased to <see cref="Owner"/>, so no claim stands between the commit and the attempt), and the worker is woken
/// to look in the outbox when anything else may have become due. A hand-over alone does not make the worker look
/// in the outbox: at a thousand payments a second those looks were most of the one writer's work (where a unit runs alone).
/// </summary>
public sealed class NotificationSignal(GatewayInstance instance) : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    private int _lookInOutbox;
    private readonly Channel<Notification> _fresh = Channel.CreateUnbounded<Notification>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>This instance's worker, as lease owner: the instance's id in the registry.</summary>
    public string Owner { get; } = instance.Id;

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
        // Released only when not released already: at the semaphore's maximum Release throws, and under load a nudge
        // per payment found the worker already woken about two thousand times a second (dotnet-counters), each time
        // at the cost of an exception thrown and caught.
        if (_signal.CurrentCount > 0)
        {
            return;
        }
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // another nudge released it in between: already awake
        }
    }

    public void Dispose() => _signal.Dispose();

    /// <summary>
    /// Returns when woken or after <paramref name="timeout"/> of the machine's time (the poll's cadence, not business
    /// time); throws only when <paramref name="ct"/> is cancelled. The semaphore's own timed wait ends without an
    /// exception, where a delay raced against the wait and cancelled the loser threw one on every wake-up.
    /// </summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}
