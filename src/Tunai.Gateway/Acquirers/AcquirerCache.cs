using Tunai.Gateway.Secrets;

namespace Tunai.Gateway.Acquirers;

/// <summary>Acquirers by Client-Id for every store request, read through a <see cref="ReadCache{TKey, TValue}"/>; a rotation or a disabling calls <see cref="Changed"/>.</summary>
public sealed class AcquirerCache(Database database, SecretBox box)
{
    private readonly ReadCache<string, Acquirer> _byClientId = new();

    public ValueTask<Acquirer?> FindAsync(string clientId, CancellationToken ct) =>
        _byClientId.GetAsync(clientId, async key =>
        {
            await using var connection = await database.OpenAsync(ct);
            return await AcquirerStore.FindByClientIdAsync(connection, key, box);
        });

    public void Changed() => _byClientId.Clear();
}
