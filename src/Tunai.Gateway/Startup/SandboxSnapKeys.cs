using Tunai.Gateway.Merchants;

namespace Tunai.Gateway.Startup;

/// <summary>
/// The sandbox merchant's SNAP key pair, made on first start so SNAP works at once: its private key written to
/// <c>data/</c> (readable by the owner only) and its public key registered as the merchant's <c>snap_public_key</c>;
/// Tunai's own SNAP public key written beside it, for a merchant server to verify Tunai's token requests with. Both
/// files are named in <c>data/sandbox.env</c>.
/// </summary>
public static class SandboxSnapKeys
{
    public const string PrivateKeyVariable = "TUNAI_SNAP_PRIVATE_KEY_FILE";
    public const string GatewayPublicKeyVariable = "TUNAI_SNAP_GATEWAY_PUBLIC_KEY_FILE";

    public sealed record Files(string PrivateKeyFile, string GatewayPublicKeyFile);

    /// <summary>
    /// A new pair when the merchant has no SNAP key or its private key file is gone (a key registered in the back
    /// office or the admin API is replaced only then); Tunai's public key written again on every start (it may have
    /// been rotated).
    /// </summary>
    public static async Task<Files> EnsureAsync(Database database, Merchant merchant, string folder)
    {
        Directory.CreateDirectory(folder);
        var privateFile = Path.Combine(folder, "sandbox-snap-private.pem");
        var gatewayFile = Path.Combine(folder, "tunai-snap-public.pem");
        await using (var connection = await database.OpenAsync())
        {
            var registered = await Snap.SnapKeys.FindAsync(connection, merchant.Id);
            if (registered is null || !File.Exists(privateFile))
            {
                using var rsa = RSA.Create(Snap.SnapKeys.MinimumBits);
                StartupTasks.WriteOwnerOnly(privateFile, rsa.ExportPkcs8PrivateKeyPem() + "\n");
                await database.WriteAsync(async unit =>
                {
                    await Snap.SnapKeys.SetAsync(unit.Connection, unit.Transaction, merchant.Id, rsa.ExportSubjectPublicKeyInfoPem());
                    unit.Commit();
                    return true;
                });
            }
            var gatewayKey = await connection.QuerySingleAsync<string>("SELECT public_key FROM snap_gateway_keys ORDER BY created_at DESC LIMIT 1");
            StartupTasks.WriteOwnerOnly(gatewayFile, gatewayKey + "\n");
        }
        return new Files(privateFile, gatewayFile);
    }
}
