using Tunai.Gateway.Audit;
using Tunai.Gateway.Secrets;

namespace Tunai.Gateway.Snap;

/// <summary>
/// Tunai's own SNAP RSA key pair: its private key signs the token requests Tunai sends to merchants speaking SNAP
/// (<c>clientId|timestamp</c>), and merchants verify them with its public key (<c>GET /snap/public-key</c>). Made once
/// at first start; the private key is sealed like every secret (<see cref="SecretBox"/>). The newest pair signs; a
/// rotation (<c>POST /admin/v1/snap/gateway-keys</c>) adds a pair and keeps the older ones in the table.
/// </summary>
public sealed class SnapGatewayKey(Database database, SecretBox box)
{
    public const int Bits = 2048;

    private (long CreatedAt, RSA Key, string PublicPem)? _current;
    private readonly Lock _gate = new();

    /// <summary>Makes the first pair when there is none: called at start, under the start-up lock.</summary>
    public static async Task EnsureAsync(Database database, SecretBox box, TimeProvider time)
    {
        await using (var connection = await database.OpenAsync())
        {
            if (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM snap_gateway_keys") > 0)
            {
                return;
            }
        }
        await database.WriteAsync(async unit =>
        {
            await InsertAsync(unit, box, time.GetUtcNow().ToUnixTimeMilliseconds());
            unit.Commit();
            return true;
        });
    }

    /// <summary>The current private key and public PEM; read again when another instance rotated it.</summary>
    public async Task<(RSA Key, string PublicPem)> CurrentAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var newest = await connection.QuerySingleOrDefaultAsync<long?>("SELECT max(created_at) FROM snap_gateway_keys")
            ?? throw new InvalidOperationException("Tunai's SNAP key pair was not made at start");
        lock (_gate)
        {
            if (_current is { } held && held.CreatedAt == newest)
            {
                return (held.Key, held.PublicPem);
            }
        }
        var row = await connection.QuerySingleAsync<(string PrivateKey, string PublicKey)>(
            "SELECT private_key, public_key FROM snap_gateway_keys WHERE created_at = @newest", new { newest });
        var key = RSA.Create();
        key.ImportFromPem(box.Open(row.PrivateKey));
        lock (_gate)
        {
            _current = (newest, key, row.PublicKey);
        }
        return (key, row.PublicKey);
    }

    /// <summary><c>GET /snap/public-key</c>: the PEM, no authentication (it is public).</summary>
    public static async Task<IResult> PublicKey(SnapGatewayKey keys, HttpContext http) =>
        Results.Text((await keys.CurrentAsync(http.RequestAborted)).PublicPem, "application/x-pem-file");

    /// <summary><c>POST /admin/v1/snap/gateway-keys</c>: a new pair signs from now on; audited.</summary>
    public static async Task<IResult> Rotate(HttpContext http, Database database, SecretBox box, TimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var pem = await database.WriteAsync(async unit =>
        {
            // A rotation in the same millisecond as the last one waits for the next: created_at is the key.
            var last = await unit.Connection.ExecuteScalarAsync<long?>("SELECT max(created_at) FROM snap_gateway_keys", transaction: unit.Transaction);
            var publicPem = await InsertAsync(unit, box, Math.Max(now, (last ?? 0) + 1));
            await AuditTrail.WriteAsync(unit, AuditActor.AdminToken(http), "snap.gateway_key", "gateway", null, new { pem = publicPem }, now);
            unit.Commit();
            return publicPem;
        }, http.RequestAborted);
        return Api.WireJson.Ok(new SnapGatewayKeyView(pem));
    }

    private static async Task<string> InsertAsync(WriteUnit unit, SecretBox box, long createdAt)
    {
        using var rsa = RSA.Create(Bits);
        var publicPem = rsa.ExportSubjectPublicKeyInfoPem();
        await unit.Connection.ExecuteAsync(
            "INSERT INTO snap_gateway_keys (created_at, private_key, public_key) VALUES (@createdAt, @privateKey, @publicPem)",
            new { createdAt, privateKey = box.Seal(rsa.ExportPkcs8PrivateKeyPem()), publicPem }, unit.Transaction);
        return publicPem;
    }
}

/// <summary>The answer to a rotation: the new public key, to hand to the merchants speaking SNAP.</summary>
public sealed record SnapGatewayKeyView(string PublicKey);
