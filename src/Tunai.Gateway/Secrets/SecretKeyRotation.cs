using Tunai.Gateway.Api;
using Tunai.Gateway.Configuration;

namespace Tunai.Gateway.Secrets;

/// <summary>The body of a key rotation: <c>{"old_key_expires_in": seconds}</c>, optional, 24 hours unless given.</summary>
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
}
