using System.Net;
using System.Threading.RateLimiting;
using Tunai.Signing;

namespace Tunai.Gateway.Abuse;

/// <summary>
/// Limits put on route groups (never globally, so health, metrics and documentation routes are untouched), built
/// on System.Threading.RateLimiting, the limiters under ASP.NET Core's rate-limiting middleware. They are endpoint
/// filters rather than that middleware because both kinds must know what the middleware runs too early to know:
/// whether the request failed to authenticate, and which caller it authenticated as. A request that merely names
/// a merchant's Client-Id must not spend that merchant's budget.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddRateLimits(this IServiceCollection services) =>
        services.AddSingleton<AuthenticationFailures>().AddSingleton<CallerRateLimiter>();

    /// <summary>
    /// Counts the group's authentication failures per client address and per Client-Id header. The request is
    /// authenticated first, always: one that authenticates is served whatever others sent naming the same Client-Id
    /// or from the same address, so nobody without a key can lock out the party that has it. Only a failure spends
    /// the budgets, and a failure that finds either budget spent is answered 429 with Retry-After instead of its own
    /// refusal. <paramref name="isFailure"/> says which answers are failures (401 for signed and admin routes; 404
    /// for the how-to-pay routes, where a guessed token is one).
    /// </summary>
    public static TBuilder LimitAuthenticationFailures<TBuilder>(this TBuilder builder, Func<int, bool>? isFailure = null)
        where TBuilder : IEndpointConventionBuilder
    {
        isFailure ??= status => status == StatusCodes.Status401Unauthorized;
        builder.AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context);
            var status = result switch
            {
                ApiError e => e.Status,
                IStatusCodeHttpResult r => r.StatusCode ?? StatusCodes.Status200OK,
                _ => StatusCodes.Status200OK,
            };
            // A disabled merchant or acquirer authenticated: its 401 says so each time and is no guess.
            if (!isFailure(status) || result is ApiError { Code: "merchant_disabled" or "acquirer_disabled" })
            {
                return result;
            }
            var http = context.HttpContext;
            var failures = http.RequestServices.GetRequiredService<AuthenticationFailures>();
            return failures.Record(http, ClientIdOf(http), result is ApiError error ? error.Code : status.ToString(CultureInfo.InvariantCulture))
                is { } retryAfter ? TooManyFailures(http, retryAfter) : result;
        });
        return builder;
    }

    /// <summary>The answer to a failure once the address's or the Client-Id's failure budget is spent.</summary>
    public static ApiError TooManyFailures(HttpContext http, TimeSpan retryAfter)
    {
        // Whatever the refused request asked for (a Bearer challenge, say) no longer applies to a 429.
        http.Response.Headers.Remove(Microsoft.Net.Http.Headers.HeaderNames.WWWAuthenticate);
        return TooMany(http, retryAfter, "too_many_authentication_failures",
            "Too many failed authentications from this address or for this Client-Id; wait before trying again");
    }

    /// <summary>
    /// A request rate per authenticated caller (merchant or acquirer connection), checked after the signature
    /// filter that precedes it in the group. <paramref name="perSecond"/> reads the configured rate.
    /// </summary>
    public static TBuilder LimitPerCaller<TBuilder>(this TBuilder builder, string kind, Func<RateLimitOptions, int> perSecond)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (http.Features.Get<SignedCaller>() is not { } caller)
            {
                throw new InvalidOperationException("LimitPerCaller must follow a signature filter in its group");
            }
            if (OverRate(http, kind, caller.ClientId, perSecond) is { } rate)
            {
                return new ApiError(StatusCodes.Status429TooManyRequests, "rate_limited",
                    $"More than {rate} requests per second for this Client-Id; wait before sending more");
            }
            return await next(context);
        });
        return builder;
    }

    /// <summary>
    /// Spends one of an authenticated caller's requests this second (its budget is per <paramref name="kind"/> and
    /// Client-Id, whichever API it came through). Null while the caller has one left; otherwise Retry-After is set and
    /// the configured rate returned, for the refusal the caller's API words.
    /// </summary>
    public static int? OverRate(HttpContext http, string kind, string clientId, Func<RateLimitOptions, int> perSecond)
    {
        var limiter = http.RequestServices.GetRequiredService<CallerRateLimiter>();
        using var lease = limiter.Acquire(kind, clientId, perSecond);
        if (lease.IsAcquired)
        {
            return null;
        }
        SetRetryAfter(http, lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1));
        return perSecond(limiter.Options);
    }

    /// <summary>Retry-After in whole seconds, at least 1.</summary>
    public static void SetRetryAfter(HttpContext http, TimeSpan retryAfter) =>
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private static string? ClientIdOf(HttpContext http) =>
        http.Request.Headers[SignatureHeaders.ClientId].ToString() is { Length: > 0 and <= 128 } id ? id : null;

    private static ApiError TooMany(HttpContext http, TimeSpan retryAfter, string code, string message)
    {
        SetRetryAfter(http, retryAfter);
        return new ApiError(StatusCodes.Status429TooManyRequests, code, message);
    }
}

/// <summary>Authentication failures per client address and per Client-Id: a token bucket each, one failure one token.</summary>
public sealed class AuthenticationFailures(TunaiOptions options, ILogger<AuthenticationFailures> logger) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetTokenBucketLimiter(key, k => Bucket(k.StartsWith("ip:", StringComparison.Ordinal)
            ? options.RateLimits.AuthenticationFailuresPerMinutePerAddress
            : options.RateLimits.AuthenticationFailuresPerMinutePerClientId)));

    private static TokenBucketRateLimiterOptions Bucket(int perMinute) => new()
    {
        TokenLimit = perMinute,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = TimeSpan.FromMinutes(1) / perMinute,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>
    /// Counts one failure against the request's address and the Client-Id it named, and logs it. Returns how long to
    /// wait when either had no failure left (the failure is then answered 429), null while both still had one.
    /// </summary>
    public TimeSpan? Record(HttpContext http, string? clientId, string reason)
    {
        var address = http.Connection.RemoteIpAddress;
        TimeSpan? retryAfter = null;
        foreach (var (key, perMinute) in Keys(address, clientId))
        {
            using var lease = _limiter.AttemptAcquire(key, 1);
            if (!lease.IsAcquired)
            {
                var wait = TimeSpan.FromMinutes(1) / perMinute;
                retryAfter = retryAfter is { } longer && longer > wait ? longer : wait;
            }
        }
        // The address, the Client-Id as sent and the refusal's code: never a signature, a token or a body.
        logger.LogWarning("Authentication failed: {Method} {Path} from {Address}, Client-Id {ClientId}: {Reason}{Limited}",
            http.Request.Method, http.Request.Path.Value, address?.ToString() ?? "unknown", clientId ?? "(none)", reason,
            retryAfter is null ? "" : " (failure budget spent: answered 429)");
        return retryAfter;
    }

    private IEnumerable<(string Key, int PerMinute)> Keys(IPAddress? address, string? clientId)
    {
        yield return ($"ip:{address}", options.RateLimits.AuthenticationFailuresPerMinutePerAddress);
        if (clientId is not null)
        {
            yield return ($"id:{clientId}", options.RateLimits.AuthenticationFailuresPerMinutePerClientId);
        }
    }

    public void Dispose() => _limiter.Dispose();
}

/// <summary>Requests per second per authenticated caller, a token bucket per kind and Client-Id (one second of burst).</summary>
public sealed class CallerRateLimiter(TunaiOptions options) : IDisposable
{
    private readonly Dictionary<string, PartitionedRateLimiter<string>> _byKind = [];
    private readonly Lock _gate = new();

    public RateLimitOptions Options => options.RateLimits;

    public RateLimitLease Acquire(string kind, string clientId, Func<RateLimitOptions, int> perSecond)
    {
        PartitionedRateLimiter<string> limiter;
        lock (_gate)
        {
            if (!_byKind.TryGetValue(kind, out limiter!))
            {
                var rate = perSecond(options.RateLimits);
                limiter = _byKind[kind] = PartitionedRateLimiter.Create<string, string>(key =>
                    RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = rate,
                        TokensPerPeriod = rate,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    }));
            }
        }
        return limiter.AttemptAcquire(clientId, 1);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var limiter in _byKind.Values)
            {
                limiter.Dispose();
            }
        }
    }
}
