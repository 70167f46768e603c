using System.Text.Json.Nodes;
using Tunai.Gateway.Abuse;
using Tunai.Gateway.Clock;
using Tunai.Gateway.Merchants;
using Tunai.Signing;

namespace Tunai.Gateway.Snap;

/// <summary>The SNAP service an endpoint serves (its two-digit code), as endpoint metadata.</summary>
public sealed record SnapServiceCode(string Code);

/// <summary>An authenticated SNAP transaction: who sent it, its X-EXTERNAL-ID and its exact body.</summary>
public sealed record SnapRequest(Merchant Merchant, string ExternalId, byte[] Body, string Service, string TokenHash);

/// <summary>
/// SNAP authentication: the B2B token call (RSA over <c>clientId|timestamp</c>, checked with the merchant's
/// registered public key) and the transaction filter (Bearer token, X-PARTNER-ID, HMAC-SHA512 over the
/// method, path, token, body hash and timestamp, with <see cref="SnapSignature.BodyHashCandidates"/>'s leniency).
/// </summary>
public static class SnapAuthentication
{
    /// <summary>
    /// Counts SNAP authentication refusals (401) against the caller's address and the Client-Id it named, as
    /// <see cref="RateLimits.LimitAuthenticationFailures"/> does for signed routes: the request is authenticated
    /// first, only a failure spends the budgets, and a failure that finds one spent is answered 429xx00.
    /// </summary>
    public static TBuilder LimitSnapAuthenticationFailures<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context);
            if (result is not SnapResult { IsAuthenticationFailure: true } refused)
            {
                return result;
            }
            var http = context.HttpContext;
            var clientId = Header(http, SnapHeaders.ClientKey) ?? Header(http, SnapHeaders.PartnerId);
            var failures = http.RequestServices.GetRequiredService<AuthenticationFailures>();
            if (failures.Record(http, clientId is { Length: <= 128 } ? clientId : null, refused.ResponseCode) is not { } retryAfter)
            {
                return result;
            }
            RateLimits.SetRetryAfter(http, retryAfter);
            return SnapResult.Of($"429{refused.ResponseCode[3..5]}00",
                "Too Many Requests. Too many failed authentications from this address or for this client; wait before trying again");
        });
        return builder;
    }

    /// <summary>POST the B2B access token.</summary>
    public static async Task<IResult> IssueToken(HttpContext http, Database database, MerchantCache merchants, TunaiOptions options, TimeProvider time,
        Secrets.SecretBox box)
    {
        const string service = SnapService.Token;
        var clientId = Header(http, SnapHeaders.ClientKey);
        var timestamp = Header(http, SnapHeaders.Timestamp);
        var signature = Header(http, SnapHeaders.Signature);
        if (clientId is null || timestamp is null || signature is null)
        {
            return SnapResult.Missing(service, clientId is null ? SnapHeaders.ClientKey : timestamp is null ? SnapHeaders.Timestamp : SnapHeaders.Signature);
        }
        if (!SnapSignature.TryParseTimestamp(timestamp, out var signedAt))
        {
            return SnapResult.InvalidFormat(service, SnapHeaders.Timestamp, "ISO-8601 with Z or an offset, e.g. 2026-12-07T11:43:40+07:00");
        }
        var (body, bodyError) = await RequestBody.ReadAsync(http.Request, options.MerchantApi.MaxBodyBytes);
        if (bodyError is not null)
        {
            return SnapResult.BadRequest(service, bodyError.Message);
        }
        var merchant = clientId.Length <= 128 ? await merchants.FindAsync(clientId, http.RequestAborted) : null;
        if (merchant is null)
        {
            return SnapResult.Of($"401{service}00", "Unauthorized. Unknown client");
        }
        await using (var connection = await database.OpenAsync(http.RequestAborted))
        {
            var pem = await SnapKeys.FindAsync(connection, merchant.Id);
            if (pem is null)
            {
                return SnapResult.Of($"401{service}00", "Unauthorized. No SNAP public key is registered for this client");
            }
            if (StaleTimestamp(service, signedAt, time, options) is { } stale)
            {
                return stale;
            }
            using var key = SnapKeys.Import(pem);
            if (!SnapSignature.VerifyToken(key, clientId, timestamp, signature))
            {
                return SnapResult.Unauthorized(service, "Signature",
                    options.IsSandbox ? SnapSignature.TokenStringToSign(clientId, timestamp) : null,
                    "X-SIGNATURE must be base64(SHA256withRSA(your private key, this string)), verified with your registered snap_public_key");
            }
        }
        if (merchant.IsDisabled)
        {
            return SnapResult.Of($"401{service}00", "Unauthorized. This merchant is disabled; ask the gateway's operator");
        }
        if (OverRate(http, merchant, service) is { } tooMany)
        {
            return tooMany;
        }
        if (RequestBody.ParseObject(body!, out var document) is { } malformed)
        {
            return SnapResult.BadRequest(service, malformed.Message);
        }
        using (document)
        {
            var root = document!.RootElement;
            if (!root.TryGetProperty("grantType", out var grant) || grant.ValueKind == JsonValueKind.Null)
            {
                return SnapResult.Missing(service, "grantType");
            }
            if (grant.ValueKind != JsonValueKind.String || grant.GetString() != "client_credentials")
            {
                return SnapResult.InvalidFormat(service, "grantType", "must be client_credentials");
            }
        }
        var token = await database.WriteAsync(async unit =>
        {
            var issued = await SnapTokens.IssueAsync(unit, merchant.Id, time.GetUtcNow());
            if (merchant.SnapSignatureToken == SnapSettings.IssuedToken)
            {
                await SnapOutbound.KeepIssuedTokenAsync(unit, merchant.Id, box.Seal(issued));
            }
            unit.Commit();
            return issued;
        }, http.RequestAborted);
        // expiresIn a number: the Go and PHP SDKs type it as an integer, and the Node SDK's helpers fail on "900".
        return SnapResult.Of($"200{service}00", "Successful", new JsonObject
        {
            ["accessToken"] = token,
            ["tokenType"] = "Bearer",
            ["expiresIn"] = (int)SnapTokens.Lifetime.TotalSeconds,
        });
    }

    /// <summary>
    /// Spends one of the merchant's requests this second, from one budget with its Alfa O2O API requests
    /// (<see cref="MerchantSignatures.RateKind"/>): called once the request proved the merchant's key and before anything
    /// is written for it. Null while the budget lasts; then 429xx00 with Retry-After.
    /// </summary>
    private static SnapResult? OverRate(HttpContext http, Merchant merchant, string service) =>
        RateLimits.OverRate(http, MerchantSignatures.RateKind, merchant.ClientId, MerchantSignatures.PerSecond) is { } rate
            ? SnapResult.Of($"429{service}00", $"Too Many Requests. More than {rate} requests per second for this client; wait before sending more")
            : null;

    /// <summary>A timestamp outside the gateway's window, refused; in the sandbox with the likely mistake named.</summary>
    private static SnapResult? StaleTimestamp(string service, DateTimeOffset signedAt, TimeProvider time, TunaiOptions options)
    {
        var skew = signedAt - time.WallClock().GetUtcNow();
        if (skew.Duration() <= options.MerchantApi.TimestampTolerance)
        {
            return null;
        }
        var reason = $"X-TIMESTAMP is {Math.Abs((long)skew.TotalSeconds)} s {(skew < TimeSpan.Zero ? "behind" : "ahead of")} the gateway's clock; at most {(long)options.MerchantApi.TimestampTolerance.TotalSeconds} s is accepted";
        if (options.IsSandbox && Math.Abs(Math.Abs(skew.TotalHours) - 7) < 0.25)
        {
            reason += " (a skew of 7 h is usually UTC time labelled +07:00, or WIB time labelled Z)";
        }
        return SnapResult.Of($"401{service}00", $"Unauthorized. {reason}");
    }

    internal static string? Header(HttpContext http, string name) =>
        http.Request.Headers.TryGetValue(name, out var v) && v.ToString() is { Length: > 0 } s ? s : null;

    /// <summary>The path as SNAP signs it: the request's path relative to the gateway's root, with its query string.</summary>
    public static string SignedPath(HttpContext http) => (http.Request.Path.Value ?? "/") + http.Request.QueryString.Value;

    /// <summary>Authenticates a SNAP transaction; the endpoint finds it as the <see cref="SnapRequest"/> feature.</summary>
    public sealed class TransactionFilter(Database database, MerchantCache merchants, TunaiOptions options, TimeProvider time) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var http = context.HttpContext;
            var service = http.GetEndpoint()?.Metadata.GetMetadata<SnapServiceCode>()?.Code
                ?? throw new InvalidOperationException("A SNAP transaction endpoint needs its SnapServiceCode");
            var authorization = Header(http, "Authorization");
            if (authorization is null)
            {
                return SnapResult.Missing(service, "Authorization");
            }
            if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || authorization.Length <= 7)
            {
                return SnapResult.InvalidToken(service);
            }
            var token = authorization[7..].Trim();
            foreach (var name in new[] { SnapHeaders.PartnerId, SnapHeaders.ExternalId, SnapHeaders.ChannelId, SnapHeaders.Timestamp, SnapHeaders.Signature })
            {
                if (Header(http, name) is null)
                {
                    return SnapResult.Missing(service, name);
                }
            }
            var externalId = Header(http, SnapHeaders.ExternalId)!;
            if (externalId.Length > 64 || externalId.Any(c => c is < '!' or > '~'))
            {
                return SnapResult.InvalidFormat(service, SnapHeaders.ExternalId, "at most 64 printable ASCII characters");
            }
            var timestamp = Header(http, SnapHeaders.Timestamp)!;
            if (!SnapSignature.TryParseTimestamp(timestamp, out var signedAt))
            {
                return SnapResult.InvalidFormat(service, SnapHeaders.Timestamp, "ISO-8601 with Z or an offset, e.g. 2026-12-07T11:43:40+07:00");
            }
            var (body, bodyError) = await RequestBody.ReadAsync(http.Request, options.MerchantApi.MaxBodyBytes);
            if (bodyError is not null)
            {
                return SnapResult.BadRequest(service, bodyError.Message);
            }
            var tokenHash = SnapTokens.Hash(token);
            if (token.Length > 256 || await SnapTokens.FindAsync(database, tokenHash, time.GetUtcNow(), http.RequestAborted) is not { } merchantId)
            {
                return SnapResult.InvalidToken(service);
            }
            var merchant = await merchants.FindByIdAsync(merchantId, http.RequestAborted);
            if (merchant is null || !string.Equals(merchant.ClientId, Header(http, SnapHeaders.PartnerId), StringComparison.Ordinal))
            {
                return SnapResult.Of($"401{service}00", "Unauthorized. X-PARTNER-ID is not the client the token was issued to");
            }
            if (StaleTimestamp(service, signedAt, time, options) is { } stale)
            {
                return stale;
            }
            var signature = Header(http, SnapHeaders.Signature);
            var method = http.Request.Method;
            var path = SignedPath(http);
            if (!SnapSignature.VerifyTransaction(merchant.VerifyingKeys(time.GetUtcNow()), method, path, token, body, timestamp, signature))
            {
                return SnapResult.Unauthorized(service, "Signature Not Match",
                    options.IsSandbox ? SnapSignature.TransactionStringToSign(method, path, token, SnapSignature.BodyHash(body ?? []), timestamp) : null,
                    "X-SIGNATURE must be base64(HMAC-SHA512(your secret key, this string)); the body hash is lowercase hex SHA-256 of the exact body bytes");
            }
            if (merchant.IsDisabled)
            {
                return SnapResult.Of($"401{service}00", "Unauthorized. This merchant is disabled; ask the gateway's operator");
            }
            if (OverRate(http, merchant, service) is { } tooMany)
            {
                return tooMany;
            }
            // Only a request that proved the secret keeps its token alive; a token that expired meanwhile stays expired.
            var slid = await database.WriteAsync(async unit =>
            {
                var alive = await SnapTokens.SlideAsync(unit, tokenHash, time.GetUtcNow());
                unit.Commit();
                return alive;
            }, http.RequestAborted);
            if (!slid)
            {
                return SnapResult.InvalidToken(service);
            }
            http.Features.Set(new SnapRequest(merchant, externalId, body!, service, tokenHash));
            return await next(context);
        }
    }
}
