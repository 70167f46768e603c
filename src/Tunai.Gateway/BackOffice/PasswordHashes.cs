namespace Tunai.Gateway.BackOffice;

/// <summary>
/// Bounds how many password hashes run at once. A hash (PBKDF2, <see cref="Operators"/>) is slow on purpose: tens of
/// milliseconds of one core, on a thread of the request pool. Unbounded, a flood of sign-ins (one address made 293
/// in 22 s) takes every core and the store's payments wait behind it. With at most half the cores hashing (one on a
/// 2-core machine), the rest keep serving; a sign-in waits its turn without holding a thread, and once
/// <see cref="MaxWaiting"/> are waiting, a further one is turned away without hashing.
/// </summary>
public sealed class PasswordHashes : IDisposable
{
    public const int MaxWaiting = 64;

    private readonly SemaphoreSlim _slots;
    private int _waiting;
    private int _running;
    private int _peak;
    private long _count;

    public PasswordHashes() : this(Math.Max(1, Environment.ProcessorCount / 2))
    {
    }

    public PasswordHashes(int concurrency)
    {
        Concurrency = concurrency;
        _slots = new SemaphoreSlim(concurrency, concurrency);
    }

    /// <summary>How many hashes may run at once.</summary>
    public int Concurrency { get; }

    /// <summary>Hashes run since start (a sign-in, an unknown e-mail's dummy, a password change or a new account).</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>The most hashes that ever ran at once: never above <see cref="Concurrency"/>.</summary>
    public int PeakConcurrency => Volatile.Read(ref _peak);

    /// <summary>A slot to hash in, waited for; null when <see cref="MaxWaiting"/> already wait (the caller answers "busy").</summary>
    public async Task<IDisposable?> TryEnterAsync(CancellationToken ct)
    {
        if (Interlocked.Increment(ref _waiting) > MaxWaiting)
        {
            Interlocked.Decrement(ref _waiting);
            return null;
        }
        try
        {
            await _slots.WaitAsync(ct);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
        return Entered();
    }

    /// <summary>A slot to hash in, however long the wait (an Admin adding an account, an operator changing a password).</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken ct)
    {
        await _slots.WaitAsync(ct);
        return Entered();
    }

    private Slot Entered()
    {
        var running = Interlocked.Increment(ref _running);
        Interlocked.Increment(ref _count);
        var peak = Volatile.Read(ref _peak);
        while (running > peak && Interlocked.CompareExchange(ref _peak, running, peak) != peak)
        {
            peak = Volatile.Read(ref _peak);
        }
        return new Slot(this);
    }

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(PasswordHashes owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Interlocked.Decrement(ref owner._running);
                owner._slots.Release();
            }
        }
    }
}
