using System.Data.Common;
using Dapper;
using Tunai.Gateway.Admin;
using Tunai.Gateway.Api;
using Tunai.Gateway.Configuration;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Storage;

namespace Tunai.Gateway.Acquirers;

/// <summary>A store system (the Alfa POS network) that inquires and pays codes; it signs like a merchant.</summary>
public sealed record Acquirer
{
    public long Id { get; init; }
    public required string Code { get; init; }
    public required string Name { get; init; }
    public required string ClientId { get; init; }
    public required string SecretKey { get; init; }
    public long CreatedAt { get; init; }

    public override string ToString() => $"Acquirer {{ Code = {Code}, ClientId = {ClientId} }}";
}

public sealed record AcquirerView(string Id, string Name, string ClientId, string SecretKey);

public static class AcquirerStore
{
    private const string Columns = "id, code, name, client_id, secret_key, created_at";

    public static Task<Acquirer?> FindByClientIdAsync(DbConnection c, string clientId) =>
        c.QuerySingleOrDefaultAsync<Acquirer>($"SELECT {Columns} FROM acquirers WHERE client_id = @clientId", new { clientId });

    public static Task<Acquirer?> FindByCodeAsync(DbConnection c, string code) =>
        c.QuerySingleOrDefaultAsync<Acquirer>($"SELECT {Columns} FROM acquirers WHERE code = @code", new { code });

    /// <summary>Null when the code or client_id is taken.</summary>
    public static Task<Acquirer?> InsertAsync(DbConnection c, DbTransaction tx, Acquirer a) =>
        c.QuerySingleOrDefaultAsync<Acquirer>(
            $"""
            INSERT INTO acquirers (code, name, client_id, secret_key, created_at)
            VALUES (@Code, @Name, @ClientId, @SecretKey, @CreatedAt)
            ON CONFLICT DO NOTHING
            RETURNING {Columns}
            """, a, tx);

    public static async Task<(Acquirer? Acquirer, ApiError? Error)> CreateAsync(Database database, TimeProvider time, string code, string name)
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
            });
            if (inserted is not null)
            {
                unit.Commit();
            }
            return inserted;
        });
        return created is null
            ? (null, ApiError.Conflict("acquirer_exists", $"An acquirer with id {code} already exists"))
            : (created, null);
    }
}
