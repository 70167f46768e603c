using Tunai.Gateway.Secrets;
using Tunai.Gateway.Audit;

namespace Tunai.Gateway.Merchants;

/// <summary>The merchant checks signatures with the new key now: notifications and inquiries switch to it.</summary>
public static class SignWithNewKey
{
    public static async Task<IResult> HandleAsync(string clientId, HttpContext http, Database database, MerchantCache merchants,
        TimeProvider time, SecretBox box)
    {
        var switched = await RunAsync(database, merchants, box, clientId, time.GetUtcNow().ToUnixTimeMilliseconds(),
            AuditActor.AdminToken(http), http.RequestAborted);
        return switched is null ? MerchantEndpoints.NotFound(clientId) : WireJson.Ok(MerchantView.From(switched, withSecret: false));
    }

    /// <summary>For the admin API and the back office alike: the merchant as switched, null when unknown.</summary>
    public static async Task<Merchant?> RunAsync(Database database, MerchantCache merchants, SecretBox box, string clientId, long now,
        AuditActor auditAs, CancellationToken ct)
    {
        var switched = await database.WriteAsync(async unit =>
        {
            var m = await MerchantStore.SignWithNewKeyAsync(unit.Connection, unit.Transaction, clientId, now, box);
            if (m is not null)
            {
                await AuditTrail.WriteAsync(unit, auditAs, "merchant.sign_with_new_key", clientId, null, null, now);
                unit.Commit();
            }
            return m;
        }, ct);
        merchants.Changed();
        return switched;
    }
}
