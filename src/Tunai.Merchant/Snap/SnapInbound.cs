using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Tunai.Signing;

namespace Tunai.Merchant.Snap;

/// <summary>The outcome of checking a SNAP request from the gateway: the parsed value, or the SNAP refusal to answer.</summary>
/// <typeparam name="T">What the body is parsed into.</typeparam>
/// <param name="Value">The parsed body; null when refused.</param>
/// <param name="Refusal">The answer to send when refused (401 with the standard codes, 400 for a bad field).</param>
public sealed record SnapVerification<T>(T? Value, SnapAnswer? Refusal) where T : class
{
    /// <summary>True when the request is authentic, fresh and parsed.</summary>
    public bool IsValid => Value is not null && Refusal is null;
}

/// <summary>The SNAP services a merchant serves to the gateway, by their two-digit code.</summary>
internal static class SnapInbound
{
    public const string InquiryService = "24";
    public const string PaymentService = "25";
    public const string TokenService = "73";
}

/// <summary>
/// The merchant's side of SNAP calls from the gateway, for any web framework: the B2B token endpoint (the gateway's
/// RSA signature over <c>clientId|timestamp</c>, checked with the gateway's public key) and the check of a
/// <c>transfer-va/payment</c> or <c>transfer-va/inquiry</c> request (Bearer token issued here, X-TIMESTAMP within
/// <see cref="TunaiSnapOptions.TimestampTolerance"/>, HMAC-SHA512 over method, path, token, body hash and timestamp).
/// Tokens are self-contained (HMAC-signed with a key derived from the secret key), so every instance of a
/// merchant's site accepts a token any of them issued.
/// </summary>
/// <param name="options">The merchant's credentials and the gateway's public key.</param>
/// <param name="time">The clock; the system's by default.</param>
public sealed class SnapInboundVerifier(TunaiSnapOptions options, TimeProvider? time = null)
{
    private const string TokenKeyLabel = "Tunai.Merchant SNAP B2B access token";
    private readonly TunaiSnapOptions _options = options ?? throw new ArgumentNullException(nameof(options));
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>
    /// Answers the gateway's B2B token request: 2007300 with a Bearer token valid
    /// <see cref="TunaiSnapOptions.IssuedTokenLifetime"/> (<c>expiresIn</c> a number), or the refusal (4017300 wrong
    /// client, signature or time; 4007301/4007302 a malformed or missing field).
    /// </summary>
    public SnapAnswer IssueToken(Func<string, string?> header, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(body);
        const string service = SnapInbound.TokenService;
        var clientId = Header(header, SnapHeaders.ClientKey);
        var timestamp = Header(header, SnapHeaders.Timestamp);
        var signature = Header(header, SnapHeaders.Signature);
        if (clientId is null || timestamp is null || signature is null)
        {
            return Missing(service, clientId is null ? SnapHeaders.ClientKey : timestamp is null ? SnapHeaders.Timestamp : SnapHeaders.Signature);
        }
        if (!SnapSignature.TryParseTimestamp(timestamp, out var signedAt))
        {
            return InvalidFormat(service, SnapHeaders.Timestamp);
        }
        if (!string.Equals(clientId, _options.ClientId, StringComparison.Ordinal))
        {
            return SnapAnswer.Of($"401{service}00", "Unauthorized. Unknown client");
        }
        if (Stale(service, signedAt) is { } stale)
        {
            return stale;
        }
        using (var key = TunaiSnapOptions.Import(_options.GatewayPublicKeyPem()))
        {
            if (!SnapSignature.VerifyToken(key, clientId, timestamp, signature))
            {
                return SnapAnswer.Of($"401{service}00", "Unauthorized. Signature");
            }
        }
        if (body.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind != JsonValueKind.Object
                    || !document.RootElement.TryGetProperty("grantType", out var grant) || grant.ValueKind == JsonValueKind.Null)
                {
                    return Missing(service, "grantType");
                }
                if (grant.ValueKind != JsonValueKind.String || grant.GetString() != "client_credentials")
                {
                    return InvalidFormat(service, "grantType");
                }
            }
            catch (JsonException)
            {
                return SnapAnswer.Of($"400{service}00", "Bad Request. The body is not JSON");
            }
        }
        var lifetime = _options.IssuedTokenLifetime;
        return SnapAnswer.Of($"200{service}00", "Successful", new JsonObject
        {
            ["accessToken"] = NewToken(_time.GetUtcNow() + lifetime),
            ["tokenType"] = "Bearer",
            // A number: the Go and PHP SDKs type it as an integer.
            ["expiresIn"] = (long)lifetime.TotalSeconds,
        });
    }

    /// <summary>
    /// Checks and parses a <c>transfer-va/payment</c> notification; <paramref name="requestPath"/> is the path as
    /// received (raw, with its query string, when the framework gives it).
    /// </summary>
    public SnapVerification<SnapPaymentNotification> VerifyPayment(Func<string, string?> header, string method, string requestPath, byte[] body)
    {
        var (value, refusal) = Verify(header, method, requestPath, body, SnapInbound.PaymentService, SnapWireJson.Default.SnapPaymentNotification);
        if (value is not null && (value.VirtualAccountNo is null && value.CustomerNo is null || value.PaidAmount is null))
        {
            return new(null, Missing(SnapInbound.PaymentService, value.PaidAmount is null ? "paidAmount" : "virtualAccountNo"));
        }
        return new(value is null ? null : value with { ExternalId = Header(header, SnapHeaders.ExternalId)! }, refusal);
    }

    /// <summary>Checks and parses a <c>transfer-va/inquiry</c> request; answer it with <see cref="AnswerInquiry"/>.</summary>
    public SnapVerification<SnapInquiryRequest> VerifyInquiry(Func<string, string?> header, string method, string requestPath, byte[] body)
    {
        var (value, refusal) = Verify(header, method, requestPath, body, SnapInbound.InquiryService, SnapWireJson.Default.SnapInquiryRequest);
        if (value is not null && value.VirtualAccountNo is null && value.CustomerNo is null)
        {
            return new(null, Missing(SnapInbound.InquiryService, "virtualAccountNo"));
        }
        return new(value is null ? null : value with
        {
            ExternalId = Header(header, SnapHeaders.ExternalId)!,
            Signed = (method, requestPath, Header(header, "Authorization")![7..].Trim()),
        }, refusal);
    }

    /// <summary>
    /// The signed answer to a verified inquiry: <paramref name="result"/> (null when the merchant could not answer:
    /// 5002401) with X-TIMESTAMP and X-SIGNATURE = HMAC-SHA512 over the request's method, path and token and the
    /// answer's body hash, as the request was signed. The gateway believes only a signed answer.
    /// </summary>
    public SnapAnswer AnswerInquiry(SnapInquiryRequest request, SnapInquiryResult? result)
    {
        ArgumentNullException.ThrowIfNull(request);
        var answer = result?.ToAnswer(request) ?? Failed(inquiry: true);
        var (method, path, token) = request.Signed;
        if (token is null)
        {
            throw new ArgumentException("Answer only an inquiry this verifier checked (VerifyInquiry)", nameof(request));
        }
        var timestamp = SnapSignature.FormatTimestamp(_time.GetUtcNow().ToOffset(TimeSpan.FromHours(7)));
        var (_, signature) = SnapSignature.SignTransaction(_options.SecretKey, method, path, token, answer.Body, timestamp);
        return answer with { Headers = [new(SnapHeaders.Timestamp, timestamp), new(SnapHeaders.Signature, signature)] };
    }

    /// <summary>The answer to a notification the merchant has recorded: 2002500 with <c>paymentFlagStatus</c> 00.</summary>
    public static SnapAnswer PaymentAccepted(SnapPaymentNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return SnapAnswer.Of($"200{SnapInbound.PaymentService}00", "Successful", new JsonObject
        {
            ["virtualAccountData"] = new JsonObject
            {
                ["partnerServiceId"] = notification.PartnerServiceId,
                ["customerNo"] = notification.CustomerNo,
                ["virtualAccountNo"] = notification.VirtualAccountNo,
                ["virtualAccountName"] = notification.VirtualAccountName,
                ["paymentRequestId"] = notification.PaymentRequestId,
                ["trxId"] = notification.TrxId,
                ["paidAmount"] = notification.PaidAmount is { } paid ? new JsonObject { ["value"] = paid.Value, ["currency"] = paid.Currency } : null,
                ["paymentFlagStatus"] = "00",
                ["paymentFlagReason"] = new JsonObject { ["english"] = "Success", ["indonesia"] = "Sukses" },
            },
        });
    }

    /// <summary>The answer when the merchant could not record a notification or answer an inquiry: 500xx01, so the gateway tries again.</summary>
    public static SnapAnswer Failed(bool inquiry) =>
        SnapAnswer.Of($"500{(inquiry ? SnapInbound.InquiryService : SnapInbound.PaymentService)}01", "Internal Server Error");

    private (T? Value, SnapAnswer? Refusal) Verify<T>(Func<string, string?> header, string method, string requestPath, byte[] body,
        string service, JsonTypeInfo<T> type) where T : class
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(requestPath);
        ArgumentNullException.ThrowIfNull(body);
        var authorization = Header(header, "Authorization");
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            || !TokenIsLive(authorization[7..].Trim()))
        {
            return (null, SnapAnswer.Of($"401{service}01", "Invalid Token (B2B)"));
        }
        var token = authorization[7..].Trim();
        foreach (var name in new[] { SnapHeaders.Timestamp, SnapHeaders.Signature, SnapHeaders.ExternalId })
        {
            if (Header(header, name) is null)
            {
                return (null, Missing(service, name));
            }
        }
        var timestamp = Header(header, SnapHeaders.Timestamp)!;
        if (!SnapSignature.TryParseTimestamp(timestamp, out var signedAt))
        {
            return (null, InvalidFormat(service, SnapHeaders.Timestamp));
        }
        if (Stale(service, signedAt) is { } stale)
        {
            return (null, stale);
        }
        var signature = Header(header, SnapHeaders.Signature);
        if (!VerifyingKeys().Any(key => SnapSignature.VerifyTransaction(key, method, SignedPaths(requestPath), token, body, timestamp, signature)))
        {
            return (null, SnapAnswer.Of($"401{service}00", "Unauthorized. Signature Not Match"));
        }
        try
        {
            return JsonSerializer.Deserialize(body, type) is { } value
                ? (value, null)
                : (null, SnapAnswer.Of($"400{service}00", "Bad Request. The body is not a JSON object"));
        }
        catch (JsonException e)
        {
            return (null, SnapAnswer.Of($"400{service}00", $"Bad Request. The body is not the expected JSON: {e.Message}"));
        }
    }

    /// <summary>The path forms the gateway may have signed: as received, without its query string, encoded and decoded.</summary>
    private static IEnumerable<string> SignedPaths(string requestPath)
    {
        yield return requestPath;
        var path = requestPath.Split('?', 2)[0];
        yield return path;
        yield return RequestTarget.Encode(Uri.UnescapeDataString(path));
        yield return Uri.UnescapeDataString(path);
    }

    private SnapAnswer? Stale(string service, DateTimeOffset signedAt)
    {
        var skew = signedAt - _time.GetUtcNow();
        return skew.Duration() <= _options.TimestampTolerance
            ? null
            : SnapAnswer.Of($"401{service}00", string.Create(CultureInfo.InvariantCulture,
                $"Unauthorized. X-TIMESTAMP is {Math.Abs((long)skew.TotalSeconds)} s {(skew < TimeSpan.Zero ? "behind" : "ahead of")} this server's clock"));
    }

    private static SnapAnswer Missing(string service, string field) => SnapAnswer.Of($"400{service}02", $"Invalid Mandatory Field {field}");

    private static SnapAnswer InvalidFormat(string service, string field) => SnapAnswer.Of($"400{service}01", $"Invalid Field Format {field}");

    private static string? Header(Func<string, string?> header, string name) => header(name) is { Length: > 0 } value ? value.Trim() : null;

    // The token: a JWT (HS256) whose key is derived from the secret key, with the client and the expiry as claims.

    /// <summary>The secret key, and during a rotation the one it replaces (<see cref="TunaiSnapOptions.PreviousSecretKey"/>).</summary>
    private IEnumerable<string> VerifyingKeys()
    {
        yield return _options.SecretKey;
        if (!string.IsNullOrWhiteSpace(_options.PreviousSecretKey))
        {
            yield return _options.PreviousSecretKey;
        }
    }

    /// <summary>The key tokens are signed with, derived from a secret key: new ones from the current key; a token from either key is accepted.</summary>
    private static byte[] TokenKey(string secretKey) => HMACSHA256.HashData(Encoding.UTF8.GetBytes(secretKey), Encoding.UTF8.GetBytes(TokenKeyLabel));

    private static readonly string JwtHeader = Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8);

    private string NewToken(DateTimeOffset expires)
    {
        var claims = new JsonObject
        {
            ["sub"] = _options.ClientId,
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["jti"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant(),
        };
        var unsigned = JwtHeader + "." + Base64Url(SnapJson.WriteBytes(claims));
        return unsigned + "." + Base64Url(HMACSHA256.HashData(TokenKey(_options.SecretKey), Encoding.ASCII.GetBytes(unsigned)));
    }

    private bool TokenIsLive(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || token.Length > 1024)
        {
            return false;
        }
        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        var given = Encoding.ASCII.GetBytes(parts[2]);
        if (!VerifyingKeys().Any(key => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Base64Url(HMACSHA256.HashData(TokenKey(key), signed))), given)))
        {
            return false;
        }
        try
        {
            using var claims = JsonDocument.Parse(FromBase64Url(parts[1]));
            var root = claims.RootElement;
            return root.TryGetProperty("sub", out var sub) && sub.ValueKind == JsonValueKind.String && sub.GetString() == _options.ClientId
                && root.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds)
                && _time.GetUtcNow() < DateTimeOffset.FromUnixTimeSeconds(seconds);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return false;
        }
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '='));
    }
}
