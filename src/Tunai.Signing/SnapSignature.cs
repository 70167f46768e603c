using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Tunai.Signing;

/// <summary>SNAP header names (Bank Indonesia's national open-API standard).</summary>
public static class SnapHeaders
{
    /// <summary>The merchant's Client-Id on the token call.</summary>
    public const string ClientKey = "X-CLIENT-KEY";
    /// <summary>When the request was signed, ISO-8601 with an offset.</summary>
    public const string Timestamp = "X-TIMESTAMP";
    /// <summary>base64 RSA (token) or HMAC-SHA512 (transaction) signature.</summary>
    public const string Signature = "X-SIGNATURE";
    /// <summary>The merchant's Client-Id on a transaction.</summary>
    public const string PartnerId = "X-PARTNER-ID";
    /// <summary>The caller's unique id of the request (per merchant per day).</summary>
    public const string ExternalId = "X-EXTERNAL-ID";
    /// <summary>Any value; the provider's SDK always sends <c>SDK</c>.</summary>
    public const string ChannelId = "CHANNEL-ID";
}

/// <summary>
/// The one place where SNAP's strings to sign are built and signed: the B2B token's RSA signature over
/// <c>clientId|timestamp</c> and the transaction's HMAC-SHA512 over
/// <c>METHOD:path:token:lowercase(hex(SHA-256(body))):timestamp</c>.
/// </summary>
public static class SnapSignature
{
    /// <summary>The token call's string to sign: <c>clientId + "|" + X-TIMESTAMP</c>.</summary>
    public static string TokenStringToSign(string clientId, string timestamp) => clientId + "|" + timestamp;

    /// <summary>base64(SHA256withRSA PKCS#1 v1.5) of the token string to sign.</summary>
    public static string SignToken(RSA privateKey, string clientId, string timestamp) =>
        Convert.ToBase64String(privateKey.SignData(Encoding.UTF8.GetBytes(TokenStringToSign(clientId, timestamp)),
            HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    /// <summary>Checks a token call's X-SIGNATURE against the merchant's public key.</summary>
    public static bool VerifyToken(RSA publicKey, string clientId, string timestamp, string? signature)
    {
        if (string.IsNullOrWhiteSpace(signature))
        {
            return false;
        }
        var bytes = new byte[signature.Length];
        if (!Convert.TryFromBase64String(signature.Trim(), bytes, out var length))
        {
            return false;
        }
        return publicKey.VerifyData(Encoding.UTF8.GetBytes(TokenStringToSign(clientId, timestamp)), bytes.AsSpan(0, length),
            HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    /// <summary>lowercase(hex(SHA-256(body))); an absent body hashes as the empty string.</summary>
    public static string BodyHash(ReadOnlySpan<byte> body) => Convert.ToHexString(SHA256.HashData(body)).ToLowerInvariant();

    /// <summary>The transaction's string to sign. <paramref name="path"/> includes any query string.</summary>
    public static string TransactionStringToSign(string method, string path, string accessToken, string bodyHash, string timestamp) =>
        $"{method.ToUpperInvariant()}:{path}:{accessToken}:{bodyHash}:{timestamp}";

    /// <summary>base64(HMAC-SHA512(secretKey, stringToSign)).</summary>
    public static string SignTransaction(string secretKey, string stringToSign) =>
        Convert.ToBase64String(HMACSHA512.HashData(Encoding.UTF8.GetBytes(secretKey), Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>Signs a transaction whose body is <paramref name="body"/> (sent as these bytes).</summary>
    public static (string StringToSign, string Signature) SignTransaction(string secretKey, string method, string path, string accessToken,
        ReadOnlySpan<byte> body, string timestamp)
    {
        var stringToSign = TransactionStringToSign(method, path, accessToken, BodyHash(body), timestamp);
        return (stringToSign, SignTransaction(secretKey, stringToSign));
    }

    /// <summary>Compares a received transaction signature with the expected one in constant time.</summary>
    public static bool VerifyTransaction(string secretKey, string stringToSign, string? signature)
    {
        if (string.IsNullOrWhiteSpace(signature))
        {
            return false;
        }
        var expected = Encoding.ASCII.GetBytes(SignTransaction(secretKey, stringToSign));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.UTF8.GetBytes(signature.Trim()));
    }

    /// <summary>
    /// True when <paramref name="signature"/> is the transaction signature under any of <paramref name="secretKeys"/>
    /// (the two keys of a rotation) over any of the body hashes a real client may have signed
    /// (<see cref="BodyHashCandidates"/>).
    /// </summary>
    public static bool VerifyTransaction(IEnumerable<string> secretKeys, string method, string path, string accessToken, byte[]? body,
        string timestamp, string? signature)
    {
        var hashes = BodyHashCandidates(body);
        return secretKeys.Any(secret => hashes.Any(hash =>
            VerifyTransaction(secret, TransactionStringToSign(method, path, accessToken, hash, timestamp), signature)));
    }

    /// <summary>
    /// The body hashes a real client may have signed, in the order tried: the raw bytes; the body with whitespace
    /// outside strings removed (Python's SDK signs compact JSON but sends it spaced); a re-serialisation with
    /// minimal escaping (PHP, Java and <c>JSON.stringify</c>); and the hash of <c>""</c> for an empty body.
    /// Distinct values only. A body that is not JSON gets only its raw hash.
    /// </summary>
    public static IReadOnlyList<string> BodyHashCandidates(byte[]? body)
    {
        if (body is null || body.Length == 0)
        {
            return [BodyHash([])];
        }
        var hashes = new List<string> { BodyHash(body) };
        void Add(byte[]? bytes)
        {
            if (bytes is not null && BodyHash(bytes) is var h && !hashes.Contains(h))
            {
                hashes.Add(h);
            }
        }
        Add(SnapJson.Minify(body));
        Add(SnapJson.Reserialize(body));
        return hashes;
    }

    /// <summary>
    /// Checks a received transaction's X-SIGNATURE with <paramref name="secretKey"/>, over each body hash of
    /// <see cref="BodyHashCandidates"/> and each of <paramref name="paths"/> (a path the sender may have signed: with or
    /// without its query string, encoded or decoded). Constant time for each comparison.
    /// </summary>
    public static bool VerifyTransaction(string secretKey, string method, IEnumerable<string> paths, string accessToken, byte[]? body,
        string timestamp, string? signature)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var hashes = BodyHashCandidates(body);
        return paths.Distinct(StringComparer.Ordinal).Any(path => hashes.Any(hash =>
            VerifyTransaction(secretKey, TransactionStringToSign(method, path, accessToken, hash, timestamp), signature)));
    }

    /// <summary>Formats a SNAP timestamp: <c>2026-12-07T04:43:40+07:00</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset time) =>
        time.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses X-TIMESTAMP: ISO-8601 with a date, a time with or without fraction, and <c>Z</c> or any offset
    /// (<c>-00:00</c> included, as the Node SDK writes UTC). A time without a zone is refused: its instant is unknown.
    /// </summary>
    public static bool TryParseTimestamp(string? value, out DateTimeOffset time)
    {
        time = default;
        if (string.IsNullOrWhiteSpace(value) || value.Length < 20 || value[10] != 'T')
        {
            return false;
        }
        var zoned = value.EndsWith('Z') || value[^6] is '+' or '-' && value[^3] == ':';
        return zoned && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }
}

/// <summary>
/// SNAP JSON as <c>JSON.stringify</c> writes it: no whitespace, strings escaped only where JSON requires (<c>"</c>,
/// <c>\</c>, control characters, lone surrogates), everything else raw, so that
/// <c>JSON.stringify(JSON.parse(body)) === body</c>. System.Text.Json's default encoder escapes <c>+</c>, <c>&lt;</c>,
/// <c>&amp;</c>, <c>'</c> and all non-ASCII, which breaks that.
/// </summary>
public static class SnapJson
{
    /// <summary>The element written as <c>JSON.stringify</c> would (numbers as written).</summary>
    public static string Write(JsonElement element)
    {
        var sb = new StringBuilder();
        Write(sb, element);
        return sb.ToString();
    }

    /// <summary>UTF-8 bytes of <see cref="Write(JsonElement)"/>.</summary>
    public static byte[] WriteBytes(JsonElement element) => Encoding.UTF8.GetBytes(Write(element));

    /// <summary>A JSON node written as <c>JSON.stringify</c> would.</summary>
    public static byte[] WriteBytes(System.Text.Json.Nodes.JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        using var document = JsonDocument.Parse(node.ToJsonString());
        return WriteBytes(document.RootElement);
    }

    /// <summary>Parses and writes again; null when the bytes are not JSON.</summary>
    public static byte[]? Reserialize(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return WriteBytes(document.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Whitespace outside strings removed, strings copied verbatim; null when the bytes are not JSON.</summary>
    public static byte[]? Minify(byte[] body)
    {
        try
        {
            using var _ = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
        var output = new List<byte>(body.Length);
        var inString = false;
        for (var i = 0; i < body.Length; i++)
        {
            var b = body[i];
            if (inString)
            {
                output.Add(b);
                if (b == (byte)'\\' && i + 1 < body.Length)
                {
                    output.Add(body[++i]);
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }
            }
            else if (b == (byte)'"')
            {
                inString = true;
                output.Add(b);
            }
            else if (b is not ((byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r'))
            {
                output.Add(b);
            }
        }
        return [.. output];
    }

    private static void Write(StringBuilder sb, JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                WriteJoined(sb, '{', e.EnumerateObject(), '}', static (sb, p) =>
                {
                    WriteString(sb, p.Name);
                    sb.Append(':');
                    Write(sb, p.Value);
                });
                break;
            case JsonValueKind.Array:
                WriteJoined(sb, '[', e.EnumerateArray(), ']', Write);
                break;
            case JsonValueKind.String:
                WriteString(sb, e.GetString()!);
                break;
            default:
                sb.Append(e.GetRawText());
                break;
        }
    }

    /// <summary>The items between <paramref name="open"/> and <paramref name="close"/>, separated by commas.</summary>
    private static void WriteJoined<T>(StringBuilder sb, char open, IEnumerable<T> items, char close, Action<StringBuilder, T> write)
    {
        sb.Append(open);
        var first = true;
        foreach (var item in items)
        {
            if (!first)
            {
                sb.Append(',');
            }
            first = false;
            write(sb, item);
        }
        sb.Append(close);
    }

    /// <summary>A string literal as <c>JSON.stringify</c> writes it (ES2019 well-formed: lone surrogates as <c>\udxxx</c>).</summary>
    public static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                    {
                        sb.Append(c).Append(s[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
    }
}
