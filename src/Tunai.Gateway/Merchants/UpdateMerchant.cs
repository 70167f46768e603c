using Tunai.Gateway.Secrets;
using Tunai.Gateway.Audit;

namespace Tunai.Gateway.Merchants;

/// <summary>
/// A merchant's name, key, URLs, notification origins, fee or disabling changed, from the admin API's PATCH or the back office's merchant
/// page: one operation (<see cref="RunAsync"/>) that changes only what the patch names, audits who changed what, and
/// tells every cache of merchants.
/// </summary>
public static class UpdateMerchant
{
    /// <summary>The merchant as changed, with the fee in force after the change.</summary>
    /// <remarks><see cref="Refused"/> names the field and why when the patch would leave the merchant's SNAP settings broken; nothing changed then.</remarks>
    public sealed record Updated(Merchant Merchant, Fees.FeeSchedule Fee, (string Field, string Message)? Refused = null);

    public static async Task<IResult> HandleAsync(string clientId, HttpContext http, Database database, MerchantCache merchants, TunaiOptions options, TimeProvider time, SecretBox box)
    {
        var (document, error) = await RequestBody.ReadObjectAsync(http.Request, options.MerchantApi.MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        using (document)
        {
            var root = document!.RootElement;
            var f = new FieldReader(root);
            var name = f.Text("name", 128);
            var secret = f.Text("secret_key", 256);
            var regenerate = f.Flag("regenerate_secret_key") ?? false;
            var disabled = f.Flag("disabled");
            var notificationUrl = MerchantEndpoints.Url(f, "notification_url", options);
            var inquiryUrl = MerchantEndpoints.Url(f, "inquiry_url", options);
            var origins = MerchantEndpoints.Origins(f, root, options);
            var fee = Fees.FeeSchedule.Read(f, root, "fee");
            var snapKey = Snap.SnapKeys.Read(f, root);
            var snap = SnapSettings.Read(f, root, options);
            // A key imported at creation is whatever the merchant already has; one chosen later replaces a generated
            // one, so it must be as hard to guess (regenerate_secret_key gives such a key).
            if (secret is not null && !Secrets.SecretStrength.IsStrong(secret))
            {
                f.Fail<string>("secret_key", $"secret_key must be random, as strong as a generated key (at least {Secrets.SecretStrength.MinimumBits} bits " +
                    "estimated, e.g. 32 random letters and digits); or use regenerate_secret_key");
            }
            if (secret is not null && regenerate)
            {
                f.Fail<string>("secret_key", "give either secret_key or regenerate_secret_key, not both");
            }
            if (root.TryGetProperty("code_prefix", out _) || root.TryGetProperty("client_id", out _))
            {
                f.Fail<string>(root.TryGetProperty("code_prefix", out _) ? "code_prefix" : "client_id",
                    "client_id and code_prefix cannot be changed: codes already issued depend on them");
            }
            if (f.Error is { } invalid)
            {
                return invalid;
            }
            var patch = new MerchantPatch(
                name,
                regenerate ? Credentials.NewSecretKey() : secret,
                root.TryGetProperty("notification_url", out _), notificationUrl,
                root.TryGetProperty("inquiry_url", out _), inquiryUrl,
                disabled, origins.Given, origins.Origins,
                snap);
            var updated = await RunAsync(database, merchants, box, clientId, null, patch, fee, time.GetUtcNow().ToUnixTimeMilliseconds(),
                AuditActor.AdminToken(http), http.RequestAborted, snapKey);
            // A new secret key is shown in this answer only.
            return updated is null ? MerchantEndpoints.NotFound(clientId)
                : updated.Refused is { } refused ? ApiError.Validation(refused.Field, refused.Message)
                : WireJson.Ok(MerchantView.From(updated.Merchant, withSecret: patch.SecretKey is not null) with { Fee = updated.Fee.ToView() });
        }
    }

    /// <summary>
    /// Applies <paramref name="patch"/> (and <paramref name="fee"/>, when given) to the merchant in a unit of its own,
    /// audited as <paramref name="auditAs"/>; null when the merchant is unknown or, for a user bound to one merchant
    /// (<paramref name="merchantScope"/>), another merchant's. The URLs in the patch keep
    /// <see cref="MerchantEndpoints.UrlRule"/>, checked by the caller where it reads them, so it can name the field.
    /// </summary>
    public static async Task<Updated?> RunAsync(Database database, MerchantCache merchants, SecretBox box, string clientId, long? merchantScope,
        MerchantPatch patch, Fees.FeeSchedule? fee, long now, AuditActor auditAs, CancellationToken ct, (bool Given, string? Pem) snapKey = default)
    {
        var updated = await database.WriteAsync(async unit =>
        {
            var before = await MerchantStore.FindAsync(unit.Connection, clientId, unit.Transaction, box);
            if (before is null || (merchantScope is not null && before.Id != merchantScope))
            {
                return null;
            }
            var changed = await MerchantStore.UpdateAsync(unit.Connection, unit.Transaction, clientId, patch, now, box);
            if (changed is null)
            {
                return null;
            }
            if (SnapSettings.Rule(changed) is { } broken)
            {
                // Not committed: the merchant stays as it was.
                return new Updated(before, Fees.FeeSchedule.Zero, broken);
            }
            await AuditTrail.WriteAsync(unit, auditAs, "merchant.update", clientId,
                MerchantEndpoints.AuditView(before), new { after = MerchantEndpoints.AuditView(changed), secretKeyChanged = patch.SecretKey is not null }, now);
            if (fee is not null)
            {
                var feeBefore = await Fees.FeeStore.MerchantAsync(unit.Connection, changed.Id, unit.Transaction);
                await Fees.FeeStore.SetMerchantAsync(unit.Connection, unit.Transaction, changed.Id, fee, now);
                await AuditTrail.WriteAsync(unit, auditAs, "merchant.fee", clientId, feeBefore.ToView(), fee.ToView(), now);
            }
            if (snapKey.Given)
            {
                // A public key, not a secret: the audit keeps it whole.
                var keyBefore = await Dapper.SqlMapper.QuerySingleOrDefaultAsync<string?>(unit.Connection,
                    "SELECT snap_public_key FROM merchants WHERE id = @id", new { id = changed.Id }, unit.Transaction);
                await Snap.SnapKeys.SetAsync(unit.Connection, unit.Transaction, changed.Id, snapKey.Pem);
                await AuditTrail.WriteAsync(unit, auditAs, "merchant.snap_public_key", clientId, new { pem = keyBefore }, new { pem = snapKey.Pem }, now);
            }
            unit.Commit();
            return new Updated(changed, await Fees.FeeStore.MerchantAsync(unit.Connection, changed.Id, unit.Transaction));
        }, ct);
        merchants.Changed();
        return updated;
    }
}
