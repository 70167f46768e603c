using System.Collections.Concurrent;

namespace Tunai.Gateway.Storage;

/// <summary>
/// Rows read on every request and rarely changed (a caller's credentials), kept for a few seconds of machine
/// time. A change made through this instance is seen at once (<see cref="Clear"/>); one made by another instance
/// on the same database within <see cref="Lifetime"/>. Misses are not kept, so unknown keys cannot fill it.
/// </summary>
public sealed class ReadCache<TKey, TValue>
    where TKey : notnull
    where TValue : class
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<TKey, (TValue Value, long Until)> _entries = new();
    private long _generation;

    public async ValueTask<TValue?> GetAsync(TKey key, Func<TKey, Task<TValue?>> load)
    {
        var now = Environment.TickCount64;
        if (_entries.TryGetValue(key, out var entry) && now < entry.Until)
        {
            return entry.Value;
        }
        // A load that started before a Clear must not put back what the Clear removed.
        var generation = Interlocked.Read(ref _generation);
        var value = await load(key);
        if (value is not null && Interlocked.Read(ref _generation) == generation)
        {
            _entries[key] = (value, now + (long)Lifetime.TotalMilliseconds);
        }
        return value;
    }

    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }
}
