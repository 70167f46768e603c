using Tunai.Gateway.Merchants;
using Tunai.Gateway.Secrets;

namespace Tunai.Gateway.Acquirers;

/// <summary>A store system (the Alfa POS network) that inquires and pays codes; it signs like a merchant.</summary>
public sealed record Acquirer : SigningParty
{
    /// <summary>The acquirer's id in the admin API (ALFA).</summary>
    public required string Code { get; init; }

    public override string ToString() => $"Acquirer {{ Code = {Code}, ClientId = {ClientId} }}";
}

public sealed record AcquirerView(string Id, string Name, string ClientId, string? SecretKey, string? PreviousKeyExpiresAt = null, bool Disabled = false)
{
    public static AcquirerView From(Acquirer a, bool withSecret) => new(a.Code, a.Name, a.ClientId, withSecret ? a.SecretKey : null,
        a.PreviousKeyExpiresAt is { } expires ? Tunai.Signing.Signature.FormatTimestamp(DateTimeOffset.FromUnixTimeMilliseconds(expires)) : null,
        a.IsDisabled);
}

public static class AcquirerStore
{
    private const string Columns = "id, code, name, client_id, secret_key, created_at, previous_secret_key, previous_key_expires_at, disabled_at";

    // The secret key is sealed in the row (SecretBox) and opened here, where acquirers are read.
    public static async Task<Acquirer?> FindByClientIdAsync(DbConnection c, string clientId, SecretBox box) =>
        Open(box, await c.QuerySingleOrDefaultAsync<Acquirer>($"SELECT {Columns} FROM acquirers WHERE client_id = @clientId", new { clientId }));

    public static async Task<Acquirer?> FindByCodeAsync(DbConnection c, string code, SecretBox box) =>
        Open(box, await c.QuerySingleOrDefaultAsync<Acquirer>($"SELECT {Columns} FROM acquirers WHERE code = @code", new { code }));

    /// <summary>Null when the code or client_id is taken.</summary>
    public static async Task<Acquirer?> InsertAsync(DbConnection c, DbTransaction tx, Acquirer a, SecretBox box) =>
        Open(box, await c.QuerySingleOrDefaultAsync<Acquirer>(
            $"""
            INSERT INTO acquirers (code, name, client_id, secret_key, created_at)
            VALUES (@Code, @Name, @ClientId, @SecretKey, @CreatedAt)
            ON CONFLICT DO NOTHING
            RETURNING {Columns}
            """, a with { SecretKey = box.Seal(a.SecretKey) }, tx));

    private static Acquirer? Open(SecretBox box, Acquirer? a) => a is null ? null : a with
    {
        SecretKey = box.Open(a.SecretKey),
        PreviousSecretKey = a.PreviousSecretKey is null ? null : box.Open(a.PreviousSecretKey),
    };

    /// <summary>A new key; the current one keeps verifying until <paramref name="previousExpiresAt"/>. Null when unknown.</summary>
    public static async Task<Acquirer?> RotateAsync(DbConnection c, DbTransaction tx, string code, string newKey, long previousExpiresAt, SecretBox box) =>
        Open(box, await c.QuerySingleOrDefaultAsync<Acquirer>(
            $"""
            UPDATE acquirers SET previous_secret_key = secret_key, previous_key_expires_at = @previousExpiresAt, secret_key = @key
            WHERE code = @code
            RETURNING {Columns}
            """, new { code, key = box.Seal(newKey), previousExpiresAt }, tx));

    public static async Task<Acquirer?> SetDisabledAsync(DbConnection c, DbTransaction tx, string code, long? disabledAt, SecretBox box) =>
        Open(box, await c.QuerySingleOrDefaultAsync<Acquirer>(
            $"UPDATE acquirers SET disabled_at = @disabledAt WHERE code = @code RETURNING {Columns}", new { code, disabledAt }, tx));

    /// <summary>Creates an acquirer; with <paramref name="auditAs"/>, its audit entry is written in the same unit.</summary>
    public static async Task<(Acquirer? Acquirer, ApiError? Error)> CreateAsync(Database database, TimeProvider time, SecretBox box, string code, string name,
        Tunai.Gateway.Audit.AuditActor? auditAs = null)
    {
        var created = await database.WriteAsync(async unit =>
        {
            var inserted = await InsertAsync(unit.Connection, unit.Transaction, new Acquirer
            {
                Code = code,
                Name = name,
                ClientId = $"ACQ-{code}-{Credentials.RandomDigits(12)}",
                SecretKey = Credentials.NewSecretKey(),
                CreatedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
            }, box);
            if (inserted is not null)
            {
                if (auditAs is not null)
                {
                    // The secret key stays out of the trail.
                    await Tunai.Gateway.Audit.AuditTrail.WriteAsync(unit, auditAs, "acquirer.create", code, null,
                        new { inserted.Code, inserted.Name, inserted.ClientId }, inserted.CreatedAt);
                }
                unit.Commit();
            }
            return inserted;
        });
        return created is null
            ? (null, ApiError.Conflict("acquirer_exists", $"An acquirer with id {code} already exists"))
            : (created, null);
    }
}
