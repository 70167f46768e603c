using Tunai.Gateway.Secrets;
using Tunai.Gateway.Audit;

namespace Tunai.Gateway.Merchants;

/// <summary>
/// A second key: answered once, here. Requests signed with either verify until the old one expires; what the
/// gateway sends the merchant stays signed with the old one until <see cref="SignWithNewKey"/> (or the expiry).
/// </summary>
public static class RotateMerchantKey
{
    public static async Task<IResult> HandleAsync(string clientId, HttpContext http, Database database, MerchantCache merchants,
        TunaiOptions options, TimeProvider time, SecretBox box)
    {
        var (expiresIn, error) = await SecretKeyRotation.ReadAsync(http.Request, options);
        if (error is not null)
        {
            return error;
        }
        var rotated = await RunAsync(database, merchants, box, clientId, expiresIn, time.GetUtcNow(), AuditActor.AdminToken(http), http.RequestAborted);
        return rotated is null ? MerchantEndpoints.NotFound(clientId) : WireJson.Ok(MerchantView.From(rotated, withSecret: true), StatusCodes.Status201Created);
    }

    /// <summary>
    /// The rotation itself, for the admin API and the back office alike: the merchant with its new key (to be shown
    /// once), null when unknown. The audit entry says when the old key expires, never a key.
    /// </summary>
    public static Task<Merchant?> RunAsync(Database database, MerchantCache merchants, SecretBox box, string clientId, TimeSpan expiresIn,
        DateTimeOffset now, AuditActor auditAs, CancellationToken ct) =>
        SecretKeyRotation.RotateAsync(database,
            (unit, oldKeyExpiresAt) => MerchantStore.RotateAsync(unit.Connection, unit.Transaction, clientId, Credentials.NewSecretKey(),
                oldKeyExpiresAt.ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds(), box),
            merchants.Changed, "merchant.rotate_key", clientId, expiresIn, now, auditAs, ct);
}
