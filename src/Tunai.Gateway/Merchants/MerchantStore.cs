using System.Data.Common;
using Dapper;

namespace Tunai.Gateway.Merchants;

public static class MerchantStore
{
    private const string Columns =
        "id, client_id, name, secret_key, code_prefix, notification_url, inquiry_url, created_at, updated_at";

    public static Task<Merchant?> FindAsync(DbConnection connection, string clientId, DbTransaction? tx = null) =>
        connection.QuerySingleOrDefaultAsync<Merchant>(
            $"SELECT {Columns} FROM merchants WHERE client_id = @clientId", new { clientId }, tx);

    public static Task<Merchant?> FindByIdAsync(DbConnection connection, long id, DbTransaction? tx = null) =>
        connection.QuerySingleOrDefaultAsync<Merchant>(
            $"SELECT {Columns} FROM merchants WHERE id = @id", new { id }, tx);

    /// <summary>The merchant with an Inquiry URL whose prefix starts <paramref name="code"/> (prefixes never overlap).</summary>
    public static Task<Merchant?> FindInquiryOwnerAsync(DbConnection connection, string code) =>
        connection.QuerySingleOrDefaultAsync<Merchant>(
            $"SELECT {Columns} FROM merchants WHERE inquiry_url IS NOT NULL AND substr(@code, 1, length(code_prefix)) = code_prefix",
            new { code });

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
    public static Task<Merchant?> InsertAsync(DbConnection connection, DbTransaction tx, Merchant m) =>
        connection.QuerySingleOrDefaultAsync<Merchant>(
            $"""
            INSERT INTO merchants (client_id, name, secret_key, code_prefix, notification_url, inquiry_url, created_at, updated_at)
            VALUES (@ClientId, @Name, @SecretKey, @CodePrefix, @NotificationUrl, @InquiryUrl, @CreatedAt, @UpdatedAt)
            ON CONFLICT (client_id) DO NOTHING
            RETURNING {Columns}
            """, m, tx);

    /// <summary>Changes only the fields the patch names, in one statement; null when the merchant is unknown.</summary>
    public static Task<Merchant?> UpdateAsync(DbConnection connection, DbTransaction tx, string clientId, MerchantPatch p, long now) =>
        connection.QuerySingleOrDefaultAsync<Merchant>(
            $"""
            UPDATE merchants
            SET name = COALESCE(@Name, name),
                secret_key = COALESCE(@SecretKey, secret_key),
                notification_url = CASE WHEN @SetNotificationUrl = 1 THEN @NotificationUrl ELSE notification_url END,
                inquiry_url = CASE WHEN @SetInquiryUrl = 1 THEN @InquiryUrl ELSE inquiry_url END,
                updated_at = @now
            WHERE client_id = @clientId
            RETURNING {Columns}
            """,
            new
            {
                clientId, now, p.Name, p.SecretKey, p.NotificationUrl, p.InquiryUrl,
                SetNotificationUrl = p.SetNotificationUrl ? 1 : 0,
                SetInquiryUrl = p.SetInquiryUrl ? 1 : 0,
            }, tx);
}

public sealed record MerchantPatch(
    string? Name,
    string? SecretKey,
    bool SetNotificationUrl,
    string? NotificationUrl,
    bool SetInquiryUrl,
    string? InquiryUrl);
