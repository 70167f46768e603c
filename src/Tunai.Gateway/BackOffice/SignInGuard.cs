using System.Collections.Concurrent;
using System.Net;
using System.Threading.RateLimiting;

namespace Tunai.Gateway.BackOffice;

/// <summary>
/// What stands between the sign-in form and the password hash. Two limits, both in memory (per instance, like the
/// API's authentication failures): a failed sign-in writes nothing, so a flood of them cannot queue behind the
/// store's payments at the one writer (where a unit runs alone).
/// <list type="bullet">
/// <item>Attempts per client address (<see cref="RateLimitOptions.SignInAttemptsPerMinutePerAddress"/>), right or
/// wrong, checked before anything is read or hashed: past it, 429 with Retry-After.</item>
/// <item>A lock-out per (address, e-mail) pair: <see cref="MaxFailedSignIns"/> failures in a row from one address
/// for one e-mail stop that address from signing in to that account for <see cref="LockOut"/>. The account itself
/// is never locked, so nobody can keep an Admin out with five wrong passwords; the Admin signs in from any other
/// address meanwhile. A locked pair is answered exactly like a wrong password, after hashing a dummy, and so is an
/// unknown e-mail: the answer tells nothing about which e-mails have accounts.</item>
/// </list>
/// </summary>
public sealed class SignInGuard(TunaiOptions options, PasswordHashes hashes, ILogger<SignInGuard> logger) : IDisposable
{
    public const int MaxFailedSignIns = 5;
    public static readonly TimeSpan LockOut = TimeSpan.FromMinutes(15);

    /// <summary>Pairs kept at most; past it, those neither locked nor failing recently are forgotten first.</summary>
    private const int MaxPairs = 100_000;

    private readonly PartitionedRateLimiter<string> _attempts = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.RateLimits.SignInAttemptsPerMinutePerAddress,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1) / options.RateLimits.SignInAttemptsPerMinutePerAddress,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    private readonly ConcurrentDictionary<string, Pair> _pairs = new(StringComparer.Ordinal);

    /// <summary>Spends one attempt of the address; how long to wait when it had none left, else null.</summary>
    public TimeSpan? Attempt(IPAddress? address)
    {
        using var lease = _attempts.AttemptAcquire(address?.ToString() ?? "unknown", 1);
        if (lease.IsAcquired)
        {
            return null;
        }
        logger.LogWarning("Back-office sign-in refused: too many attempts from {Address}", address?.ToString() ?? "unknown");
        return TimeSpan.FromMinutes(1) / options.RateLimits.SignInAttemptsPerMinutePerAddress;
    }

    /// <summary>Signs in unless the (address, e-mail) pair is locked; counts the pair's failures.</summary>
    public async Task<(SignInOutcome Outcome, string? Token, OperatorAccount? Account)> SignInAsync(
        Database database, TimeProvider wallClock, IPAddress? address, string email, string password, CancellationToken ct)
    {
        var key = $"{address}|{Operators.NormalizeEmail(email)}";
        var locked = _pairs.TryGetValue(key, out var pair) && pair.IsLocked(wallClock.GetUtcNow());
        var result = await Operators.SignInAsync(database, wallClock, hashes, email, password, locked, ct);
        switch (result.Outcome)
        {
            case SignInOutcome.SignedIn:
                _pairs.TryRemove(key, out _);
                break;
            case SignInOutcome.Refused when !locked:
                if (_pairs.Count >= MaxPairs)
                {
                    Forget(wallClock.GetUtcNow());
                }
                if (_pairs.GetOrAdd(key, _ => new Pair()).Failed(wallClock.GetUtcNow()))
                {
                    // The address, never the e-mail tried: the log must not become a list of who has an account.
                    logger.LogWarning("Back-office sign-in: {Failures} failures in a row from {Address} for one e-mail; that pair is locked for {Minutes} minutes",
                        MaxFailedSignIns, address?.ToString() ?? "unknown", LockOut.TotalMinutes);
                }
                break;
        }
        return result;
    }

    private void Forget(DateTimeOffset now)
    {
        foreach (var (key, pair) in _pairs)
        {
            if (!pair.IsLocked(now))
            {
                _pairs.TryRemove(key, out _);
            }
        }
    }

    public void Dispose() => _attempts.Dispose();

    private sealed class Pair
    {
        private readonly Lock _gate = new();
        private int _failures;
        private DateTimeOffset _lockedUntil;

        public bool IsLocked(DateTimeOffset now)
        {
            lock (_gate)
            {
                return now < _lockedUntil;
            }
        }

        /// <summary>Counts a failure; true when it locks the pair (the count then starts again after the lock-out).</summary>
        public bool Failed(DateTimeOffset now)
        {
            lock (_gate)
            {
                if (++_failures < MaxFailedSignIns)
                {
                    return false;
                }
                _failures = 0;
                _lockedUntil = now + LockOut;
                return true;
            }
        }
    }
}
