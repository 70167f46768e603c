using System.Data.Common;
using Dapper;
using Tunai.Gateway.Admin;
using Tunai.Gateway.Api;
using Tunai.Gateway.Configuration;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Storage;

namespace Tunai.Gateway.Store;

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

    /// <summary>Creates an acquirer; with <paramref name="auditAs"/>, its audit entry is written in the same unit.</summary>
    public static async Task<(Acquirer? Acquirer, ApiError? Error)> CreateAsync(Database database, TimeProvider time, string code, string name,
        Tunai.Gateway.BackOffice.AuditActor? auditAs = null)
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
                if (auditAs is not null)
                {
                    // The secret key stays out of the trail.
                    await Tunai.Gateway.BackOffice.AuditTrail.WriteAsync(unit, auditAs, "acquirer.create", code, null,
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

public static class AcquirerEndpoints
{
    public static IEndpointRouteBuilder MapAcquirers(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/v1/acquirers").RequireAdminToken();
        group.MapPost("", Create);
        return app;
    }

    private static async Task<IResult> Create(HttpContext http, Database database, TunaiOptions options, TimeProvider time)
    {
        var (document, error) = await RequestBody.ReadObjectAsync(http.Request, options.MerchantApi.MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        using (document)
        {
            var f = new FieldReader(document!.RootElement);
            var id = f.Text("id", 16, required: true);
            var name = f.Text("name", 128, required: true);
            if (id is not null && !id.All(c => c is >= 'A' and <= 'Z' or >= '0' and <= '9' or '_'))
            {
                f.Fail<string>("id", "id must be upper-case letters, digits or '_' (e.g. ALFA)");
            }
            if (f.Error is { } invalid)
            {
                return invalid;
            }
            var (acquirer, conflict) = await AcquirerStore.CreateAsync(database, time, id!, name!, Tunai.Gateway.BackOffice.AuditActor.AdminToken(http));
            return conflict ?? WireJson.Ok(new AcquirerView(acquirer!.Code, acquirer.Name, acquirer.ClientId, acquirer.SecretKey), StatusCodes.Status201Created);
        }
    }
}

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
