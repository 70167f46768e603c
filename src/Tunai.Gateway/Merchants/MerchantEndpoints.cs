using System.Text.RegularExpressions;
using Tunai.Gateway.Admin;
using Tunai.Gateway.Api;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Configuration;
using Tunai.Gateway.Secrets;
using Tunai.Gateway.Storage;

namespace Tunai.Gateway.Merchants;

/// <summary>The back office's merchant API.</summary>
public static partial class MerchantEndpoints
{
    public static IEndpointRouteBuilder MapMerchants(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/v1/merchants").RequireAdminToken();
        group.MapPost("", Create);
        group.MapGet("/{clientId}", Get);
        group.MapPatch("/{clientId}", Patch);
        group.MapPost("/{clientId}/secret-keys", Rotate);
        group.MapPost("/{clientId}/secret-keys/sign-with-new", SignWithNewKey);
        return app;
    }

    /// <summary>
    /// A second key: answered once, here. Requests signed with either verify until the old one expires; what the
    /// gateway sends the merchant stays signed with the old one until <see cref="SignWithNewKey"/> (or the expiry).
    /// </summary>
    private static async Task<IResult> Rotate(string clientId, HttpContext http, Database database, MerchantCache merchants,
        TunaiOptions options, TimeProvider time, SecretBox box)
    {
        var (expiresIn, error) = await SecretKeyRotation.ReadAsync(http.Request, options);
        if (error is not null)
        {
            return error;
        }
        var rotated = await RotateKeyAsync(database, merchants, box, clientId, expiresIn, time.GetUtcNow(), AuditActor.AdminToken(http), http.RequestAborted);
        return rotated is null ? NotFound(clientId) : WireJson.Ok(MerchantView.From(rotated, withSecret: true), StatusCodes.Status201Created);
    }

    /// <summary>
    /// The rotation itself, for the admin API and the back office alike: the merchant with its new key (to be shown
    /// once), null when unknown. The audit entry says when the old key expires, never a key.
    /// </summary>
    public static async Task<Merchant?> RotateKeyAsync(Database database, MerchantCache merchants, SecretBox box, string clientId, TimeSpan expiresIn,
        DateTimeOffset now, AuditActor auditAs, CancellationToken ct)
    {
        var rotated = await database.WriteAsync(async unit =>
        {
            var m = await MerchantStore.RotateAsync(unit.Connection, unit.Transaction, clientId, Credentials.NewSecretKey(),
                now.Add(expiresIn).ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds(), box);
            if (m is not null)
            {
                await AuditTrail.WriteAsync(unit, auditAs, "merchant.rotate_key", clientId, null,
                    new { oldKeyExpiresAt = Tunai.Gateway.PaymentCodes.WireDates.Utc(now.Add(expiresIn)) }, now.ToUnixTimeMilliseconds());
                unit.Commit();
            }
            return m;
        }, ct);
        merchants.Changed();
        return rotated;
    }

    /// <summary>The merchant checks signatures with the new key now: notifications and inquiries switch to it.</summary>
    private static async Task<IResult> SignWithNewKey(string clientId, HttpContext http, Database database, MerchantCache merchants,
        TimeProvider time, SecretBox box)
    {
        var switched = await SignWithNewKeyAsync(database, merchants, box, clientId, time.GetUtcNow().ToUnixTimeMilliseconds(),
            AuditActor.AdminToken(http), http.RequestAborted);
        return switched is null ? NotFound(clientId) : WireJson.Ok(MerchantView.From(switched, withSecret: false));
    }

    public static async Task<Merchant?> SignWithNewKeyAsync(Database database, MerchantCache merchants, SecretBox box, string clientId, long now,
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

    private static async Task<IResult> Create(HttpContext http, Database database, TunaiOptions options, TimeProvider time, SecretBox box)
    {
        var (document, error) = await RequestBody.ReadObjectAsync(http.Request, options.MerchantApi.MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        using (document)
        {
            var f = new FieldReader(document!.RootElement);
            var name = f.Text("name", 128, required: true);
            var clientId = f.Text("client_id", 64);
            var secret = f.Text("secret_key", 256);
            var prefix = f.Text("code_prefix", 12);
            var notificationUrl = Url(f, "notification_url", options);
            var inquiryUrl = Url(f, "inquiry_url", options);
            if (clientId is not null && !ClientIdShape().IsMatch(clientId))
            {
                f.Fail<string>("client_id", "client_id may hold letters, digits, '-' and '_' only");
            }
            if (secret is not null && secret.Length < 8)
            {
                f.Fail<string>("secret_key", "secret_key must be at least 8 characters");
            }
            if (prefix is not null && !PrefixShape().IsMatch(prefix))
            {
                f.Fail<string>("code_prefix", "code_prefix must be 3 to 12 digits and not start with 0");
            }
            if (f.Error is { } invalid)
            {
                return invalid;
            }
            var result = await database.WriteAsync(async unit =>
            {
                var created = await CreateAsync(unit, database, time, options, box, new NewMerchant(name!, clientId, secret, prefix, notificationUrl, inquiryUrl));
                if (created.Merchant is { } m)
                {
                    await AuditTrail.WriteAsync(unit, AuditActor.AdminToken(http), "merchant.create", m.ClientId, null, AuditView(m),
                        time.GetUtcNow().ToUnixTimeMilliseconds());
                    unit.Commit();
                }
                return created;
            }, http.RequestAborted);
            // The secret key is shown here, once; it is stored sealed and no GET returns it.
            return result.Error ?? WireJson.Ok(MerchantView.From(result.Merchant!, withSecret: true), StatusCodes.Status201Created);
        }
    }

    public sealed record NewMerchant(string Name, string? ClientId, string? SecretKey, string? CodePrefix, string? NotificationUrl, string? InquiryUrl);

    /// <summary>Creates a merchant in a unit of its own (see the overload taking the caller's unit).</summary>
    public static Task<(Merchant? Merchant, ApiError? Error)> CreateAsync(
        Database database, TimeProvider time, TunaiOptions options, SecretBox box, NewMerchant m, CancellationToken ct) =>
        database.WriteAsync(async unit =>
        {
            var created = await CreateAsync(unit, database, time, options, box, m);
            if (created.Merchant is not null)
            {
                unit.Commit();
            }
            return created;
        }, ct);

    /// <summary>
    /// Creates a merchant in the caller's unit, which commits it (with whatever else belongs to the change, such as
    /// its audit entry); nothing is written when an error is returned. Prefix assignment runs in one write
    /// transaction (on SQLite the write lock is taken at BEGIN), so two merchants can never receive overlapping prefixes.
    /// </summary>
    public static async Task<(Merchant? Merchant, ApiError? Error)> CreateAsync(
        WriteUnit unit, Database database, TimeProvider time, TunaiOptions options, SecretBox box, NewMerchant m)
    {
        var (connection, tx) = (unit.Connection, unit.Transaction);
        await LockPrefixesAsync(database, connection, tx);
        var prefix = m.CodePrefix;
        if (prefix is not null)
        {
            if (await MerchantStore.OverlappingPrefixAsync(connection, tx, prefix) is { } taken)
            {
                return (null, new ApiError(StatusCodes.Status409Conflict, "code_prefix_overlaps",
                    $"code_prefix {prefix} overlaps the prefix {taken} of another merchant; no prefix may be a prefix of another", "code_prefix"));
            }
        }
        else
        {
            for (var attempt = 0; prefix is null && attempt < 50; attempt++)
            {
                var candidate = Credentials.NewPrefix(options.PaymentCodes.GeneratedPrefixLength);
                prefix = await MerchantStore.OverlappingPrefixAsync(connection, tx, candidate) is null ? candidate : null;
            }
            if (prefix is null)
            {
                return (null, ApiError.Conflict("code_prefix_exhausted", "No free code prefix could be found; give one explicitly"));
            }
        }
        if (prefix.Length + 9 > options.PaymentCodes.GeneratedLength)
        {
            return (null, ApiError.Validation("code_prefix",
                $"code_prefix must be at most {options.PaymentCodes.GeneratedLength - 9} digits so generated codes keep 8 random digits"));
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var inserted = await MerchantStore.InsertAsync(connection, tx, new Merchant
        {
            ClientId = m.ClientId ?? Credentials.NewClientId(),
            Name = m.Name,
            SecretKey = m.SecretKey ?? Credentials.NewSecretKey(),
            CodePrefix = prefix,
            NotificationUrl = m.NotificationUrl,
            InquiryUrl = m.InquiryUrl,
            CreatedAt = now,
            UpdatedAt = now,
        }, box);
        if (inserted is null)
        {
            return (null, new ApiError(StatusCodes.Status409Conflict, "client_id_taken", $"client_id {m.ClientId} is already taken", "client_id"));
        }
        return (inserted, null);
    }

    /// <summary>What the audit trail keeps of a merchant: everything but its secret key.</summary>
    public static object AuditView(Merchant m) => new { m.ClientId, m.Name, m.CodePrefix, m.NotificationUrl, m.InquiryUrl };

    private static async Task<IResult> Get(string clientId, HttpContext http, Database database)
    {
        await using var connection = await database.OpenAsync(http.RequestAborted);
        var merchant = await MerchantStore.FindAsync(connection, clientId);
        return merchant is null ? NotFound(clientId)
            : WireJson.Ok(MerchantView.From(merchant, withSecret: false) with { Fee = (await Money.FeeStore.MerchantAsync(connection, merchant.Id)).ToView() });
    }

    private static async Task<IResult> Patch(string clientId, HttpContext http, Database database, MerchantCache merchants, TunaiOptions options, TimeProvider time, SecretBox box)
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
            var notificationUrl = Url(f, "notification_url", options);
            var inquiryUrl = Url(f, "inquiry_url", options);
            var fee = Money.FeeSchedule.Read(f, root, "fee");
            var snapKey = Snap.SnapKeys.Read(f, root);
            if (secret is not null && secret.Length < 8)
            {
                f.Fail<string>("secret_key", "secret_key must be at least 8 characters");
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
                disabled);
            var updated = await database.WriteAsync(async unit =>
            {
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                var before = await MerchantStore.FindAsync(unit.Connection, clientId, unit.Transaction, box);
                var changed = await MerchantStore.UpdateAsync(unit.Connection, unit.Transaction, clientId, patch, now, box);
                if (changed is null)
                {
                    return null;
                }
                await AuditTrail.WriteAsync(unit, AuditActor.AdminToken(http), "merchant.update", clientId,
                    before is null ? null : AuditView(before), new { after = AuditView(changed), secretKeyChanged = patch.SecretKey is not null }, now);
                if (fee is not null)
                {
                    await Money.FeeStore.SetMerchantAsync(unit.Connection, unit.Transaction, changed.Id, fee, now);
                }
                if (snapKey.Given)
                {
                    await Snap.SnapKeys.SetAsync(unit.Connection, unit.Transaction, changed.Id, snapKey.Pem);
                }
                unit.Commit();
                // A new secret key is shown in this answer only.
                return MerchantView.From(changed, withSecret: patch.SecretKey is not null) with { Fee = (await Money.FeeStore.MerchantAsync(unit.Connection, changed.Id, unit.Transaction)).ToView() };
            }, http.RequestAborted);
            merchants.Changed();
            return updated is null ? NotFound(clientId) : WireJson.Ok(updated);
        }
    }

    private static async Task LockPrefixesAsync(Database database, System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction tx)
    {
        if (!database.IsSqlite)
        {
            // PostgreSQL: serialize prefix assignment across instances for the length of this transaction.
            await Dapper.SqlMapper.ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(7201001)", transaction: tx);
        }
    }

    private static string? Url(FieldReader f, string path, TunaiOptions options)
    {
        var url = f.Text(path, 2048);
        return url is not null && UrlRule(url, path, options) is { } rule ? f.Fail<string>(path, rule) : url;
    }

    /// <summary>The rule a merchant's notification or inquiry URL keeps, wherever it is set: the broken rule, or null.</summary>
    public static string? UrlRule(string url, string path, TunaiOptions options)
    {
        if (url.Length > 2048)
        {
            return $"{path} must be at most 2048 characters";
        }
        if (!TunaiOptionsValidator.IsHttpUrl(url))
        {
            return $"{path} must be an absolute http(s) URL";
        }
        // Notifications and inquiries carry customers' data and payment results; in clear text anyone on the path
        // reads them (the signature stops changes, not reading).
        return !options.PlainHttpAllowed && !TunaiOptionsValidator.IsHttpsUrl(url)
            ? $"{path} must be https in Production mode (Tunai:AllowPlainHttp allows http on a private network)"
            : null;
    }

    private static ApiError NotFound(string clientId) => ApiError.NotFound("merchant_not_found", $"No merchant has Client-Id {clientId}");

    [GeneratedRegex("^[A-Za-z0-9_-]{3,64}$")]
    private static partial Regex ClientIdShape();

    [GeneratedRegex("^[1-9][0-9]{2,11}$")]
    private static partial Regex PrefixShape();
}
