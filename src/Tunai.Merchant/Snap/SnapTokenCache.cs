namespace Tunai.Merchant.Snap;

/// <summary>
/// The merchant's B2B access token, shared by every call of the process: obtained once, renewed
/// <see cref="TunaiSnapOptions.TokenRefreshMargin"/> before its <c>expiresIn</c>, one request at a time however many
/// calls need it at once (they wait for the one that is under way and share its answer).
/// </summary>
internal sealed class SnapTokenCache(TimeProvider time, TimeSpan refreshMargin) : IDisposable
{
    private sealed record Entry(string Token, DateTimeOffset RenewAt);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Entry? _current;

    public async Task<string> GetAsync(Func<CancellationToken, Task<(string Token, TimeSpan ExpiresIn)>> obtain, CancellationToken cancellationToken)
    {
        if (_current is { } fresh && time.GetUtcNow() < fresh.RenewAt)
        {
            return fresh.Token;
        }
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another caller may have renewed it while this one waited.
            if (_current is { } renewed && time.GetUtcNow() < renewed.RenewAt)
            {
                return renewed.Token;
            }
            // The lifetime counts from the request, not the answer: the gateway's clock started before ours saw it.
            var requestedAt = time.GetUtcNow();
            var (token, expiresIn) = await obtain(cancellationToken).ConfigureAwait(false);
            var margin = refreshMargin < expiresIn / 2 ? refreshMargin : expiresIn / 2;
            _current = new Entry(token, requestedAt + expiresIn - margin);
            return token;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets <paramref name="token"/> (the gateway said it is unknown); a token renewed meanwhile is kept.</summary>
    public void Invalidate(string token)
    {
        var current = _current;
        if (current is not null && current.Token == token)
        {
            Interlocked.CompareExchange(ref _current, null, current);
        }
    }

    public void Dispose() => _gate.Dispose();
}
