using Tunai.Gateway.Secrets;

namespace Tunai.Gateway.Merchants;

/// <summary>
/// Merchants' rows. The secret key is sealed (<see cref="SecretBox"/>) on the way in; a read given the box opens it,
/// a read without one (a lookup that needs only the id) leaves it sealed.
/// </summary>
public static class MerchantStore
{
    private const string Columns =
        "id, client_id, name, secret_key, code_prefix, notification_url, inquiry_url, created_at, updated_at, " +
        "previous_secret_key, previous_key_expires_at, signs_with_new_key, disabled_at, notification_origins, " +
        "notification_protocol, snap_token_url, snap_notification_url, snap_inquiry_url, snap_signature_token";

    public static async Task<Merchant?> FindAsync(DbConnection connection, string clientId, DbTransaction? tx = null, SecretBox? box = null) =>
        Open(box, await connection.QuerySingleOrDefaultAsync<Merchant>(
            $"SELECT {Columns} FROM merchants WHERE client_id = @clientId", new { clientId }, tx));

    public static async Task<Merchant?> FindByIdAsync(DbConnection connection, long id, DbTransaction? tx = null, SecretBox? box = null) =>
        Open(box, await connection.QuerySingleOrDefaultAsync<Merchant>(
            $"SELECT {Columns} FROM merchants WHERE id = @id", new { id }, tx));

    /// <summary>
    /// The merchant with an Inquiry URL (or, speaking SNAP, a SNAP inquiry URL) whose prefix starts <paramref name="code"/>
    /// (prefixes never overlap).
    /// </summary>
    public static async Task<Merchant?> FindInquiryOwnerAsync(DbConnection connection, string code, SecretBox box) =>
        Open(box, await connection.QuerySingleOrDefaultAsync<Merchant>(
            $"""
            SELECT {Columns} FROM merchants
            WHERE (inquiry_url IS NOT NULL OR (notification_protocol = 'SNAP' AND snap_inquiry_url IS NOT NULL))
              AND substr(@code, 1, length(code_prefix)) = code_prefix
            """,
            new { code }));

    private static Merchant? Open(SecretBox? box, Merchant? m) =>
        box is null || m is null ? m : m with
        {
            SecretKey = box.Open(m.SecretKey),
            PreviousSecretKey = m.PreviousSecretKey is null ? null : box.Open(m.PreviousSecretKey),
        };

    /// <summary>
    /// A new key; the current one becomes the previous, verifying until <paramref name="previousExpiresAt"/> and
    /// signing outbound messages until the merchant switches. One statement; null when the merchant is unknown.
    /// </summary>
    public static async Task<Merchant?> RotateAsync(DbConnection connection, DbTransaction tx, string clientId, string newKey,
        long previousExpiresAt, long now, SecretBox box) =>
        Open(box, await connection.QuerySingleOrDefaultAsync<Merchant>(
            $"""
            UPDATE merchants
            SET previous_secret_key = secret_key, previous_key_expires_at = @previousExpiresAt, secret_key = @key,
                signs_with_new_key = 0, updated_at = @now
            WHERE client_id = @clientId
            RETURNING {Columns}
            """, new { clientId, key = box.Seal(newKey), previousExpiresAt, now }, tx));

    /// <summary>Outbound messages are signed with the new key from now on; null when the merchant is unknown.</summary>
    public static async Task<Merchant?> SignWithNewKeyAsync(DbConnection connection, DbTransaction tx, string clientId, long now, SecretBox box) =>
        Open(box, await connection.QuerySingleOrDefaultAsync<Merchant>(
            $"UPDATE merchants SET signs_with_new_key = 1, updated_at = @now WHERE client_id = @clientId RETURNING {Columns}",
            new { clientId, now }, tx));

    /// <summary>
    /// The prefix of another merchant that equals, extends or is extended by <paramref name="prefix"/>.
    /// Called inside the write transaction that inserts, which serializes prefix assignment.
    /// </summary>
    public static Task<string?> OverlappingPrefixAsync(DbConnection connection, DbTransaction tx, string prefix) =>
        connection.QueryFirstOrDefaultAsync<string?>(
            """
            SELECT code_prefix FROM merchants
            WHERE substr(@prefix, 1, length(code_prefix)) = code_prefix
               OR substr(code_prefix, 1, length(@prefix)) = @prefix
            LIMIT 1
            """, new { prefix }, tx);

    /// <summary>Inserts; null when the client_id is taken (the unique constraint decides).</summary>
    public static async Task<Merchant?> InsertAsync(DbConnection connection, DbTransaction tx, Merchant m, SecretBox box) =>
        Open(box, await connection.QuerySingleOrDefaultAsync<Merchant>(
            $"""
            INSERT INTO merchants (client_id, name, secret_key, code_prefix, notification_url, inquiry_url, created_at, updated_at)
            VALUES (@ClientId, @Name, @SecretKey, @CodePrefix, @NotificationUrl, @InquiryUrl, @CreatedAt, @UpdatedAt)
            ON CONFLICT (client_id) DO NOTHING
            RETURNING {Columns}
            """, m with { SecretKey = box.Seal(m.SecretKey) }, tx));

    /// <summary>
    /// Changes only the fields the patch names, in one statement; null when the merchant is unknown. Disabling also
    /// ends its back-office users' sessions, in the same transaction.
    /// </summary>
    public static async Task<Merchant?> UpdateAsync(DbConnection connection, DbTransaction tx, string clientId, MerchantPatch p, long now, SecretBox box)
    {
        var updated = await UpdateRowAsync(connection, tx, clientId, p, now, box);
        if (updated is { IsDisabled: true } && p.Disabled == true)
        {
            await BackOffice.Operators.EndMerchantSessionsAsync(connection, tx, updated.Id);
        }
        return updated;
    }

    private static async Task<Merchant?> UpdateRowAsync(DbConnection connection, DbTransaction tx, string clientId, MerchantPatch p, long now, SecretBox box) =>
        Open(box, await connection.QuerySingleOrDefaultAsync<Merchant>(
            $"""
            UPDATE merchants
            SET name = COALESCE(@Name, name),
                secret_key = COALESCE(@SecretKey, secret_key),
                previous_secret_key = CASE WHEN @ChangeSecret = 1 THEN NULL ELSE previous_secret_key END,
                previous_key_expires_at = CASE WHEN @ChangeSecret = 1 THEN NULL ELSE previous_key_expires_at END,
                disabled_at = CASE WHEN @SetDisabled = 1 THEN @DisabledAt ELSE disabled_at END,
                notification_url = CASE WHEN @SetNotificationUrl = 1 THEN @NotificationUrl ELSE notification_url END,
                inquiry_url = CASE WHEN @SetInquiryUrl = 1 THEN @InquiryUrl ELSE inquiry_url END,
                notification_origins = CASE WHEN @SetNotificationOrigins = 1 THEN @NotificationOrigins ELSE notification_origins END,
                notification_protocol = COALESCE(@SnapProtocol, notification_protocol),
                snap_token_url = CASE WHEN @SetSnapTokenUrl = 1 THEN @SnapTokenUrl ELSE snap_token_url END,
                snap_notification_url = CASE WHEN @SetSnapNotificationUrl = 1 THEN @SnapNotificationUrl ELSE snap_notification_url END,
                snap_inquiry_url = CASE WHEN @SetSnapInquiryUrl = 1 THEN @SnapInquiryUrl ELSE snap_inquiry_url END,
                snap_signature_token = COALESCE(@SnapSignatureToken, snap_signature_token),
                snap_issued_token = CASE WHEN COALESCE(@SnapSignatureToken, snap_signature_token) = 'ISSUED_TOKEN' THEN snap_issued_token ELSE NULL END,
                updated_at = @now
            WHERE client_id = @clientId
            RETURNING {Columns}
            """,
            new
            {
                clientId, now, p.Name, SecretKey = p.SecretKey is null ? null : box.Seal(p.SecretKey), p.NotificationUrl, p.InquiryUrl,
                SetNotificationUrl = p.SetNotificationUrl ? 1 : 0,
                SetInquiryUrl = p.SetInquiryUrl ? 1 : 0,
                SetNotificationOrigins = p.SetNotificationOrigins ? 1 : 0,
                NotificationOrigins = p.NotificationOrigins is null ? null : NotificationOrigins.Store(p.NotificationOrigins),
                ChangeSecret = p.SecretKey is null ? 0 : 1,
                SetDisabled = p.Disabled is null ? 0 : 1,
                DisabledAt = p.Disabled == true ? now : (long?)null,
                SnapProtocol = p.Snap?.Protocol,
                SetSnapTokenUrl = p.Snap?.TokenUrl.Given == true ? 1 : 0, SnapTokenUrl = p.Snap?.TokenUrl.Value,
                SetSnapNotificationUrl = p.Snap?.NotificationUrl.Given == true ? 1 : 0, SnapNotificationUrl = p.Snap?.NotificationUrl.Value,
                SetSnapInquiryUrl = p.Snap?.InquiryUrl.Given == true ? 1 : 0, SnapInquiryUrl = p.Snap?.InquiryUrl.Value,
                SnapSignatureToken = p.Snap?.SignatureToken,
            }, tx));

    /// <summary>
    /// Seals every secret key still stored in clear (rows written before sealing existed), each with a conditional
    /// update on the value read, so two instances starting at once never seal a key twice. Returns how many.
    /// </summary>
    public static async Task<int> SealStoredSecretsAsync(DbConnection connection, DbTransaction tx, SecretBox box, string table)
    {
        var rows = await connection.QueryAsync<(long Id, string SecretKey)>(
            $"SELECT id, secret_key FROM {table} WHERE secret_key NOT LIKE 'dp1:%'", transaction: tx);
        var sealedCount = 0;
        foreach (var (id, secret) in rows)
        {
            sealedCount += await connection.ExecuteAsync(
                $"UPDATE {table} SET secret_key = @sealed WHERE id = @id AND secret_key = @secret",
                new { id, secret, @sealed = box.Seal(secret) }, tx);
        }
        return sealedCount;
    }
}

public sealed record MerchantPatch(
    string? Name,
    string? SecretKey,
    bool SetNotificationUrl,
    string? NotificationUrl,
    bool SetInquiryUrl,
    string? InquiryUrl,
    bool? Disabled = null,
    bool SetNotificationOrigins = false,
    IReadOnlyList<string>? NotificationOrigins = null,
    SnapPatch? Snap = null);
