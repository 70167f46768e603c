using Tunai.Gateway.BackOffice;

namespace Tunai.Gateway.Audit;

/// <summary>Who made a change, in which role, from which address.</summary>
public sealed record AuditActor(string Name, string Role, long? MerchantId, string? Address)
{
    public static AuditActor Of(Actor actor, HttpContext http) =>
        new(actor.Email, actor.Role, actor.MerchantId, http.Connection.RemoteIpAddress?.ToString());

    /// <summary>The admin API's bearer token: one shared credential, so the name says only that.</summary>
    public static AuditActor AdminToken(HttpContext http) =>
        new("admin-token", "AdminApi", null, http.Connection.RemoteIpAddress?.ToString());
}

public sealed record AuditEntry
{
    public long Id { get; init; }
    public long At { get; init; }
    public required string Actor { get; init; }
    public required string Role { get; init; }
    public long? MerchantId { get; init; }
    public required string Action { get; init; }
    public string? Target { get; init; }
    public string? Before { get; init; }
    public string? After { get; init; }
    public string? Address { get; init; }
}

/// <summary>
/// The audit trail: one row per change made through the back office or the admin API, written in the unit of
/// work that makes the change (so a change is never without its entry, nor an entry without its change). The
/// table refuses UPDATE and DELETE. Callers pass only what may be shown: never a secret key, password or token.
/// </summary>
public static class AuditTrail
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    public static Task WriteAsync(WriteUnit unit, AuditActor actor, string action, string? target, object? before, object? after, long now) =>
        unit.Connection.ExecuteAsync(
            """
            INSERT INTO audit_log (at, actor, role, merchant_id, action, target, before, after, address)
            VALUES (@now, @Name, @Role, @MerchantId, @action, @target, @before, @after, @Address)
            """,
            new
            {
                now, actor.Name, actor.Role, actor.MerchantId, action, target, actor.Address,
                before = before is null ? null : JsonSerializer.Serialize(before, Json),
                after = after is null ? null : JsonSerializer.Serialize(after, Json),
            }, unit.Transaction);

    public sealed record Filter(string? Actor, string? Action, long? Since, long? Before, int Limit);

    /// <summary>Newest first, keyset-paged on id.</summary>
    public static async Task<IReadOnlyList<AuditEntry>> ListAsync(DbConnection c, Filter f) =>
        (await c.QueryAsync<AuditEntry>(
            """
            SELECT id, at, actor, role, merchant_id, action, target, before, after, address FROM audit_log
            WHERE (@Actor IS NULL OR actor = @Actor) AND (@Action IS NULL OR action = @Action)
              AND (@Since IS NULL OR at >= @Since) AND (@Before IS NULL OR id < @Before)
            ORDER BY id DESC LIMIT @Limit
            """, f)).ToList();
}
