using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Tunai.Signing;

/// <summary>Header names used by the signature scheme.</summary>
public static class SignatureHeaders
{
    /// <summary>The caller's Client-Id.</summary>
    public const string ClientId = "Client-Id";
    /// <summary>Unique id of the request, echoed in the response.</summary>
    public const string RequestId = "Request-Id";
    /// <summary>When the request was signed, UTC ISO-8601 without fraction.</summary>
    public const string RequestTimestamp = "Request-Timestamp";
    /// <summary>When the response was signed, UTC ISO-8601 without fraction.</summary>
    public const string ResponseTimestamp = "Response-Timestamp";
    /// <summary>The signature: <c>HMACSHA256=</c> followed by base64.</summary>
    public const string Signature = "Signature";
}

/// <summary>
/// What a signature covers. <see cref="Body"/> is null for a request without a body (a GET), which leaves
/// the Digest line out; otherwise the digest covers the exact bytes sent (an empty array is an empty body,
/// with a Digest line). A plain array, not a memory type: a null array must stay null, never become empty.
/// </summary>
/// <param name="ClientId">Client-Id header.</param>
/// <param name="RequestId">Request-Id header.</param>
/// <param name="Timestamp">Request-Timestamp (or Response-Timestamp) header, as sent.</param>
/// <param name="Target">The path of the URL: no scheme, host or query string.</param>
/// <param name="Body">The exact body bytes, or null when there is no body.</param>
/// <param name="IsResponse">True to sign a response: the timestamp line is labelled Response-Timestamp.</param>
public readonly record struct SignatureInput(
    string ClientId,
    string RequestId,
    string Timestamp,
    string Target,
    byte[]? Body,
    bool IsResponse = false);

/// <summary>
/// The one place where the string to sign is built and signed (wire notes section 1).
/// </summary>
public static class Signature
{
    /// <summary>Prefix of every signature header value.</summary>
    public const string Prefix = "HMACSHA256=";

    /// <summary>base64(SHA-256(body)).</summary>
    public static string Digest(ReadOnlySpan<byte> body) => Convert.ToBase64String(SHA256.HashData(body));

    /// <summary>The lines joined by <c>\n</c>, no trailing newline.</summary>
    public static string StringToSign(in SignatureInput input)
    {
        var sb = new StringBuilder(256)
            .Append("Client-Id:").Append(input.ClientId).Append('\n')
            .Append("Request-Id:").Append(input.RequestId).Append('\n')
            .Append(input.IsResponse ? "Response-Timestamp:" : "Request-Timestamp:").Append(input.Timestamp).Append('\n')
            .Append("Request-Target:").Append(input.Target);
        if (input.Body is { } body)
        {
            sb.Append('\n').Append("Digest:").Append(Digest(body));
        }
        return sb.ToString();
    }

    /// <summary>The Signature header value for a string to sign.</summary>
    public static string Sign(string secretKey, string stringToSign)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secretKey), Encoding.UTF8.GetBytes(stringToSign));
        return Prefix + Convert.ToBase64String(mac);
    }

    /// <summary>The Signature header value for a request or response.</summary>
    public static string Compute(string secretKey, in SignatureInput input) => Sign(secretKey, StringToSign(input));

    /// <summary>Checks a received Signature header in constant time.</summary>
    public static bool Verify(string secretKey, in SignatureInput input, string? signatureHeader)
    {
        if (string.IsNullOrEmpty(signatureHeader))
        {
            return false;
        }
        var expected = Encoding.ASCII.GetBytes(Compute(secretKey, input));
        var actual = Encoding.UTF8.GetBytes(signatureHeader.Trim());
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    /// <summary>Formats a timestamp the way the scheme requires: <c>2020-08-11T08:45:42Z</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses a timestamp header; accepts ISO-8601 with or without fraction or offset.</summary>
    public static bool TryParseTimestamp(string? value, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time)
        && value!.Contains('T', StringComparison.Ordinal);
}
