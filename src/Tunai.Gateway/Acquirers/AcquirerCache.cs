using Tunai.Gateway.Storage;

namespace Tunai.Gateway.Acquirers;

/// <summary>Acquirers by Client-Id for every store request, read through a <see cref="ReadCache{TKey, TValue}"/> (acquirers are never changed).</summary>
public sealed class AcquirerCache(Database database)
{
    private readonly ReadCache<string, Acquirer> _byClientId = new();

    public ValueTask<Acquirer?> FindAsync(string clientId, CancellationToken ct) =>
        _byClientId.GetAsync(clientId, async key =>
        {
            await using var connection = await database.OpenAsync(ct);
            return await AcquirerStore.FindByClientIdAsync(connection, key);
        });
}
