namespace Tunai.Gateway.Merchants;

/// <summary>
/// Merchants as every signed request and every notification needs them, read through a <see cref="ReadCache{TKey, TValue}"/>.
/// Whatever changes a merchant calls <see cref="Changed"/>.
/// </summary>
public sealed class MerchantCache(Database database, Secrets.SecretBox box)
{
    private readonly ReadCache<string, Merchant> _byClientId = new();
    private readonly ReadCache<long, Merchant> _byId = new();

    public ValueTask<Merchant?> FindAsync(string clientId, CancellationToken ct) =>
        _byClientId.GetAsync(clientId, async key =>
        {
            await using var connection = await database.OpenAsync(ct);
            return await MerchantStore.FindAsync(connection, key, box: box);
        });

    public ValueTask<Merchant?> FindByIdAsync(long id, CancellationToken ct) =>
        _byId.GetAsync(id, async key =>
        {
            await using var connection = await database.OpenAsync(ct);
            return await MerchantStore.FindByIdAsync(connection, key, box: box);
        });

    /// <summary>
    /// The same for a caller inside a unit of work: a miss is read through the unit's own connection, never a second
    /// one from the pool. Units that hold their connection while waiting for another can take every connection of a
    /// pool and then wait on each other until their requests time out (fifty tills paying one code at once on a
    /// fresh instance did).
    /// </summary>
    public ValueTask<Merchant?> FindByIdAsync(long id, WriteUnit unit) =>
        _byId.GetAsync(id, key => MerchantStore.FindByIdAsync(unit.Connection, key, unit.Transaction, box));

    public void Changed()
    {
        _byClientId.Clear();
        _byId.Clear();
    }
}
