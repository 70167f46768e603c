using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Tunai.Gateway.Notifications;

/// <summary>
/// How much of this worker one merchant may take: at most <c>MaxConcurrentPerMerchant</c> attempts talking to it at
/// once (a concurrency limiter per merchant, queueing the rest oldest first), and no new claims for a merchant that
/// already holds twice that many rows unanswered, so one slow merchant's backlog never takes every slot.
/// </summary>
public sealed class MerchantLimiter : IDisposable
{
    private readonly int _perMerchant;
    private readonly PartitionedRateLimiter<long> _talking;
    /// <summary>Per merchant: rows held by this worker whose attempt has not been answered yet.</summary>
    private readonly ConcurrentDictionary<long, int> _held = new();

    public MerchantLimiter(TunaiOptions options)
    {
        _perMerchant = options.Notifications.MaxConcurrentPerMerchant;
        _talking = PartitionedRateLimiter.Create<long, long>(merchantId => RateLimitPartition.GetConcurrencyLimiter(merchantId,
            _ => new ConcurrencyLimiterOptions
            {
                PermitLimit = _perMerchant,
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            }));
    }

    /// <summary>The merchants that get no new rows this round.</summary>
    public IReadOnlyCollection<long> Busy() => _held.Where(m => m.Value >= 2 * _perMerchant).Select(m => m.Key).ToList();

    /// <summary>A row of <paramref name="merchantId"/> is now held by this worker.</summary>
    public void Hold(long merchantId) => _held.AddOrUpdate(merchantId, 1, (_, c) => c + 1);

    /// <summary>The row's attempt was answered (or abandoned): the merchant may be given more.</summary>
    public void Answered(long merchantId) => _held.AddOrUpdate(merchantId, 0, (_, c) => c - 1);

    /// <summary>Waits for the merchant's turn; dispose the lease once the merchant has answered.</summary>
    public async ValueTask<RateLimitLease> TurnAsync(long merchantId, CancellationToken ct)
    {
        var lease = await _talking.AcquireAsync(merchantId, 1, ct);
        if (!lease.IsAcquired)
        {
            // Only when the limiter is disposed: the queue is unbounded.
            lease.Dispose();
            throw new OperationCanceledException("The merchant limiter is shut down", ct);
        }
        return lease;
    }

    public void Dispose() => _talking.Dispose();
}
