namespace Tunai.Gateway.Snap;

/// <summary>
/// B2B access tokens: opaque random strings, kept only as their SHA-256, bound to a merchant, valid
/// <see cref="Lifetime"/> after their last use. Issuing is one insert and never revokes another token: the
/// provider's Node SDK sends two token requests at start and keeps whichever answers, and its Python SDK asks for
/// a new token before every call.
/// </summary>
public static class SnapTokens
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(900);

    public static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>A new token for the merchant, in the caller's unit; the merchant's tokens already expired go with it.</summary>
    public static async Task<string> IssueAsync(WriteUnit unit, long merchantId, DateTimeOffset now)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var nowMs = now.ToUnixTimeMilliseconds();
        await unit.Connection.ExecuteAsync(
            "DELETE FROM snap_tokens WHERE merchant_id = @merchantId AND expires_at <= @nowMs",
            new { merchantId, nowMs }, unit.Transaction);
        await unit.Connection.ExecuteAsync(
            """
            INSERT INTO snap_tokens (token_hash, merchant_id, created_at, expires_at)
            VALUES (@hash, @merchantId, @nowMs, @expiresAt)
            """,
            new { hash = Hash(token), merchantId, nowMs, expiresAt = nowMs + (long)Lifetime.TotalMilliseconds }, unit.Transaction);
        return token;
    }

    /// <summary>The merchant a live token belongs to; null when unknown or expired. Reads only: see <see cref="SlideAsync"/>.</summary>
    public static async Task<long?> FindAsync(Database database, string tokenHash, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long?>(
            "SELECT merchant_id FROM snap_tokens WHERE token_hash = @tokenHash AND expires_at > @nowMs",
            new { tokenHash, nowMs = now.ToUnixTimeMilliseconds() });
    }

    /// <summary>
    /// Moves a live token's expiry to <see cref="Lifetime"/> from now, in the unit of the transaction it authorised
    /// (only a request whose signature verified keeps a token alive). One conditional statement: false when the
    /// token expired meanwhile, which is never revived.
    /// </summary>
    public static async Task<bool> SlideAsync(WriteUnit unit, string tokenHash, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        return await unit.Connection.ExecuteAsync(
            "UPDATE snap_tokens SET expires_at = @expiresAt WHERE token_hash = @tokenHash AND expires_at > @nowMs",
            new { tokenHash, nowMs, expiresAt = nowMs + (long)Lifetime.TotalMilliseconds }, unit.Transaction) == 1;
    }
}
