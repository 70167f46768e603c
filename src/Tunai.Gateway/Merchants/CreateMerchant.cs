using System.Text.RegularExpressions;
using Tunai.Gateway.Secrets;
using Tunai.Gateway.Audit;

namespace Tunai.Gateway.Merchants;

/// <summary>
/// A new merchant, from the admin API, the back office's merchant list or the sandbox's first start: one operation
/// (<see cref="RunAsync"/>) that assigns a code prefix no other merchant's overlaps and audits who created it.
/// </summary>
public static partial class CreateMerchant
{
    public sealed record NewMerchant(string Name, string? ClientId, string? SecretKey, string? CodePrefix, string? NotificationUrl, string? InquiryUrl);

    public static Task<IResult> HandleAsync(HttpContext http, Database database, TunaiOptions options, TimeProvider time, SecretBox box) =>
        RequestBody.WithFieldsAsync(http, options, async f =>
        {
            var name = f.Text("name", 128, required: true);
            var clientId = f.Text("client_id", 64);
            var secret = f.Text("secret_key", 256);
            var prefix = f.Text("code_prefix", 12);
            var notificationUrl = MerchantEndpoints.Url(f, "notification_url", options);
            var inquiryUrl = MerchantEndpoints.Url(f, "inquiry_url", options);
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
            var result = await RunAsync(database, time, options, box, new NewMerchant(name!, clientId, secret, prefix, notificationUrl, inquiryUrl),
                AuditActor.AdminToken(http), http.RequestAborted);
            // The secret key is shown here, once; it is stored sealed and no GET returns it.
            return result.Error ?? WireJson.Ok(MerchantView.From(result.Merchant!, withSecret: true), StatusCodes.Status201Created);
        });

    /// <summary>
    /// Creates a merchant in a unit of its own, with its audit entry as <paramref name="auditAs"/> (null only for the
    /// gateway's own setup, which no one asked for); nothing is written when an error is returned.
    /// </summary>
    public static Task<(Merchant? Merchant, ApiError? Error)> RunAsync(
        Database database, TimeProvider time, TunaiOptions options, SecretBox box, NewMerchant m, AuditActor? auditAs, CancellationToken ct) =>
        database.WriteAsync(async unit =>
        {
            var created = await InsertAsync(unit, database, time, options, box, m);
            if (created.Merchant is { } merchant)
            {
                if (auditAs is not null)
                {
                    await AuditTrail.WriteAsync(unit, auditAs, "merchant.create", merchant.ClientId, null, MerchantEndpoints.AuditView(merchant),
                        time.GetUtcNow().ToUnixTimeMilliseconds());
                }
                unit.Commit();
            }
            return created;
        }, ct);

    /// <summary>
    /// Prefix assignment runs in one unit holding <see cref="PrefixAssignment"/> (<see cref="WriteUnit.HoldAsync"/>; a
    /// unit that runs alone holds it already), so two merchants can never receive overlapping prefixes.
    /// </summary>
    private static async Task<(Merchant? Merchant, ApiError? Error)> InsertAsync(
        WriteUnit unit, Database database, TimeProvider time, TunaiOptions options, SecretBox box, NewMerchant m)
    {
        var (connection, tx) = (unit.Connection, unit.Transaction);
        // Serializes prefix assignment across instances for the length of this unit.
        await unit.HoldAsync(PrefixAssignment);
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

    /// <summary>The key of prefix assignment (see <see cref="WriteUnit.HoldAsync"/>).</summary>
    private const long PrefixAssignment = 7201001;

    [GeneratedRegex("^[A-Za-z0-9_-]{3,64}$")]
    private static partial Regex ClientIdShape();

    [GeneratedRegex("^[1-9][0-9]{2,11}$")]
    private static partial Regex PrefixShape();
}
