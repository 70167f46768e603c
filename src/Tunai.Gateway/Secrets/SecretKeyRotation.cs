using Tunai.Gateway.Audit;
using Tunai.Gateway.PaymentCodes;

namespace Tunai.Gateway.Secrets;

/// <summary>
/// A secret key's rotation, a merchant's or an acquirer's alike. Its body: <c>{"old_key_expires_in": seconds}</c>,
/// optional, 24 hours unless given.
/// </summary>
public static class SecretKeyRotation
{
    public static readonly TimeSpan DefaultOverlap = TimeSpan.FromHours(24);

    /// <summary>At most 30 days: two keys for longer is a second key, not a rotation.</summary>
    private const long MaxSeconds = 30L * 24 * 3600;

    /// <summary>How long the old key keeps verifying: the default when not given, refused beyond 30 days (the rule broken, else null).</summary>
    public static (TimeSpan ExpiresIn, string? Error) ExpiresIn(long? seconds) =>
        seconds > MaxSeconds ? (default, $"old_key_expires_in must be at most {MaxSeconds} seconds (30 days)")
        : (seconds is { } s ? TimeSpan.FromSeconds(s) : DefaultOverlap, null);

    public static async Task<(TimeSpan ExpiresIn, ApiError? Error)> ReadAsync(HttpRequest request, TunaiOptions options)
    {
        if (request.ContentLength is null or 0 && !RequestBody.HasJsonContentType(request))
        {
            return (DefaultOverlap, null);
        }
        var (document, error) = await RequestBody.ReadObjectAsync(request, options.MerchantApi.MaxBodyBytes);
        if (error is not null)
        {
            return (default, error);
        }
        using (document)
        {
            var f = new FieldReader(document!.RootElement);
            var seconds = f.Digits("old_key_expires_in", 8);
            if (ExpiresIn(seconds) is (_, { } rule))
            {
                f.Fail<long?>("old_key_expires_in", rule);
            }
            return f.Error is { } invalid ? (default, invalid) : (ExpiresIn(seconds).ExpiresIn, null);
        }
    }

    /// <summary>
    /// The rotation, for the admin API and the back office alike: <paramref name="rotate"/> stores a new key, the old
    /// one verifying until the instant it is given; audited with that instant, never a key; the cache is told after
    /// the commit. The party with its new key (to be shown once), null when there is none.
    /// </summary>
    public static async Task<T?> RotateAsync<T>(Database database, Func<WriteUnit, DateTimeOffset, Task<T?>> rotate, Action changed,
        string auditAction, string target, TimeSpan expiresIn, DateTimeOffset now, AuditActor auditAs, CancellationToken ct)
        where T : class
    {
        var oldKeyExpiresAt = now.Add(expiresIn);
        var rotated = await database.WriteAsync(async unit =>
        {
            var party = await rotate(unit, oldKeyExpiresAt);
            if (party is not null)
            {
                await AuditTrail.WriteAsync(unit, auditAs, auditAction, target, null,
                    new { oldKeyExpiresAt = WireDates.Utc(oldKeyExpiresAt) }, now.ToUnixTimeMilliseconds());
                unit.Commit();
            }
            return party;
        }, ct);
        changed();
        return rotated;
    }
}
