using System.Security.Cryptography;
using System.Text;

namespace Tunai.Signing;

/// <summary>
/// The four signature headers of one request or response, as sent or received. <see cref="Timestamp"/> is the
/// Request-Timestamp of a request, the Response-Timestamp of a response.
/// </summary>
/// <param name="ClientId">Client-Id.</param>
/// <param name="RequestId">Request-Id (a response echoes the request's).</param>
/// <param name="Timestamp">Request-Timestamp or Response-Timestamp, as sent.</param>
/// <param name="Signature">The Signature header value, <c>HMACSHA256=</c> and base64.</param>
/// <param name="IsResponse">True for a response.</param>
public sealed record SignedHeaders(string ClientId, string RequestId, string Timestamp, string Signature, bool IsResponse = false)
{
    /// <summary>The name of the timestamp header: Request-Timestamp or Response-Timestamp.</summary>
    public string TimestampHeader => IsResponse ? SignatureHeaders.ResponseTimestamp : SignatureHeaders.RequestTimestamp;

    /// <summary>
    /// The headers to send, named in exactly this case (some merchants' servers look them up case-sensitively).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> ToList() =>
    [
        new(SignatureHeaders.ClientId, ClientId),
        new(SignatureHeaders.RequestId, RequestId),
        new(TimestampHeader, Timestamp),
        new(SignatureHeaders.Signature, Signature),
    ];
}

/// <summary>Why a signed message was refused.</summary>
public enum SignatureFailure
{
    /// <summary>Not refused.</summary>
    None,

    /// <summary>Client-Id, Request-Id, the timestamp or Signature is missing.</summary>
    MissingHeader,

    /// <summary>Request-Id is longer than 128 characters.</summary>
    RequestIdTooLong,

    /// <summary>The Client-Id is not the one expected.</summary>
    WrongClientId,

    /// <summary>A response does not echo the request's Request-Id.</summary>
    RequestIdMismatch,

    /// <summary>The timestamp is not UTC ISO-8601.</summary>
    InvalidTimestamp,

    /// <summary>The timestamp is further from the verifier's clock than the tolerance.</summary>
    StaleTimestamp,

    /// <summary>No accepted key, label and path form gives the Signature.</summary>
    InvalidSignature,
}

/// <summary>
/// The outcome of checking a signed message. <see cref="Header"/> names the header at fault;
/// <see cref="Detail"/> is a sentence for an error body or a log. <see cref="KeyIndex"/> is which of the
/// candidate keys verified (for a key rotation to see which one the other side uses). <see cref="StringToSign"/>
/// is, on a signature failure, the string the verifier expected in the canonical form (encoded path, the
/// message's own label), for a sandbox to show; never the key.
/// </summary>
public readonly record struct SignatureCheck(
    SignatureFailure Failure,
    string? Header = null,
    string? Detail = null,
    int KeyIndex = -1,
    string? StringToSign = null)
{
    /// <summary>True when the message is authentic and fresh.</summary>
    public bool IsValid => Failure == SignatureFailure.None;

    internal static SignatureCheck Fail(SignatureFailure failure, string header, string detail, string? stringToSign = null) =>
        new(failure, header, detail, -1, stringToSign);
}

/// <summary>
/// The whole signed envelope of the Alfa O2O non-SNAP scheme, in one place (wire notes section 1): which headers
/// a request and a response carry, the string to sign (<see cref="Signature.StringToSign"/>), the Digest over the
/// exact body bytes, the time window, the Request-Id echo of a response, the timestamp labels and path forms a
/// verifier accepts, and the constant-time comparison. The gateway, the SDK and the CLI all sign and verify
/// through it, so the rule cannot come apart between them again.
/// </summary>
public static class SignedEnvelope
{
    /// <summary>The longest Request-Id accepted (the reference: "max 128 characters").</summary>
    public const int MaxRequestIdLength = 128;

    /// <summary>
    /// Signs a request: the headers to send with exactly <paramref name="body"/> (null for a GET: no Digest line),
    /// Request-Target <paramref name="target"/>, the encoded path (<see cref="RequestTarget.Of"/>).
    /// </summary>
    public static SignedHeaders SignRequest(string clientId, string secretKey, string requestId, DateTimeOffset now, string target, byte[]? body)
    {
        var timestamp = Signature.FormatTimestamp(now);
        var input = new SignatureInput(clientId, requestId, timestamp, target, body);
        return new SignedHeaders(clientId, requestId, timestamp, Signature.Compute(secretKey, input));
    }

    /// <summary>Signs a response to a request: Client-Id and Request-Id echoed, Response-Timestamp, the request's encoded path.</summary>
    public static SignedHeaders SignResponse(string clientId, string secretKey, string requestId, DateTimeOffset now, string target, byte[] body)
    {
        var timestamp = Signature.FormatTimestamp(now);
        var input = new SignatureInput(clientId, requestId, timestamp, target, body, IsResponse: true);
        return new SignedHeaders(clientId, requestId, timestamp, Signature.Compute(secretKey, input), IsResponse: true);
    }

    /// <summary>
    /// Reads the four headers of a received request (<paramref name="header"/> looks one up by name,
    /// case-insensitively; null when absent). Refuses a missing header or an over-long Request-Id; the rest is
    /// checked by <see cref="Verify"/> once the caller has found the keys of the Client-Id.
    /// </summary>
    public static (SignedHeaders? Headers, SignatureCheck Check) ReadRequest(Func<string, string?> header)
    {
        ArgumentNullException.ThrowIfNull(header);
        string? clientId = null, requestId = null, timestamp = null, signature = null;
        foreach (var name in RequestHeaderNames)
        {
            var value = header(name)?.Trim();
            if (string.IsNullOrEmpty(value))
            {
                return (null, SignatureCheck.Fail(SignatureFailure.MissingHeader, name, $"The {name} header is required"));
            }
            switch (name)
            {
                case SignatureHeaders.ClientId: clientId = value; break;
                case SignatureHeaders.RequestId: requestId = value; break;
                case SignatureHeaders.RequestTimestamp: timestamp = value; break;
                default: signature = value; break;
            }
        }
        if (requestId!.Length > MaxRequestIdLength)
        {
            return (null, SignatureCheck.Fail(SignatureFailure.RequestIdTooLong, SignatureHeaders.RequestId,
                $"Request-Id must be at most {MaxRequestIdLength} characters"));
        }
        return (new SignedHeaders(clientId!, requestId, timestamp!, signature!), new SignatureCheck(SignatureFailure.None));
    }

    /// <summary>
    /// Reads the headers of a received response and checks that it answers <paramref name="clientId"/>'s request
    /// <paramref name="requestId"/>. The timestamp is the Response-Timestamp header, or, from a client that sends
    /// the response with a Request-Timestamp header, that one.
    /// </summary>
    public static (SignedHeaders? Headers, SignatureCheck Check) ReadResponse(Func<string, string?> header, string clientId, string requestId)
    {
        ArgumentNullException.ThrowIfNull(header);
        string? Get(string name) => header(name)?.Trim() is { Length: > 0 } v ? v : null;
        var signature = Get(SignatureHeaders.Signature);
        if (signature is null)
        {
            return (null, SignatureCheck.Fail(SignatureFailure.MissingHeader, SignatureHeaders.Signature, "The answer is not signed"));
        }
        if (!string.Equals(Get(SignatureHeaders.ClientId), clientId, StringComparison.Ordinal))
        {
            return (null, SignatureCheck.Fail(SignatureFailure.WrongClientId, SignatureHeaders.ClientId, "The answer does not carry the expected Client-Id"));
        }
        if (!string.Equals(Get(SignatureHeaders.RequestId), requestId, StringComparison.Ordinal))
        {
            return (null, SignatureCheck.Fail(SignatureFailure.RequestIdMismatch, SignatureHeaders.RequestId, "The answer does not echo the Request-Id"));
        }
        var timestamp = Get(SignatureHeaders.ResponseTimestamp) ?? Get(SignatureHeaders.RequestTimestamp);
        if (timestamp is null)
        {
            return (null, SignatureCheck.Fail(SignatureFailure.MissingHeader, SignatureHeaders.ResponseTimestamp, "The answer has no Response-Timestamp"));
        }
        return (new SignedHeaders(clientId, requestId, timestamp, signature, IsResponse: true), new SignatureCheck(SignatureFailure.None));
    }

    /// <summary>
    /// Checks a received message's timestamp and signature against the candidate keys.
    /// </summary>
    /// <param name="received">From <see cref="ReadRequest"/> or <see cref="ReadResponse"/>.</param>
    /// <param name="secretKeys">
    /// Every key the sender may hold (one, or two while a key is being rotated); tried in order, each compared
    /// in constant time. The string-to-sign variants are built once, so each more key costs one HMAC per variant.
    /// </param>
    /// <param name="encodedTarget">The path as received on the wire (<see cref="RequestTarget.FromRawTarget"/>) or as sent.</param>
    /// <param name="body">The exact body bytes, or null for a request without a body (no Digest line).</param>
    /// <param name="now">The verifier's clock.</param>
    /// <param name="tolerance">How far the timestamp may be from <paramref name="now"/>; null to check only its format.</param>
    /// <remarks>
    /// A response is accepted under either timestamp label: the reference says Response-Timestamp, while the
    /// provider's official client libraries sign responses with their one function, whose line says
    /// Request-Timestamp. Only the label differs; the key, the HMAC, the Request-Id and the time window decide.
    /// </remarks>
    public static SignatureCheck Verify(SignedHeaders received, IReadOnlyList<string> secretKeys, string encodedTarget, byte[]? body,
        DateTimeOffset now, TimeSpan? tolerance)
    {
        ArgumentNullException.ThrowIfNull(received);
        ArgumentNullException.ThrowIfNull(secretKeys);
        ArgumentNullException.ThrowIfNull(encodedTarget);
        var timestampHeader = received.TimestampHeader;
        if (!Signature.TryParseTimestamp(received.Timestamp, out var sentAt))
        {
            return SignatureCheck.Fail(SignatureFailure.InvalidTimestamp, timestampHeader,
                $"{timestampHeader} must be UTC ISO-8601, e.g. 2020-08-11T08:45:42Z");
        }
        if (tolerance is { } window && (now - sentAt).Duration() is var skew && skew > window)
        {
            return SignatureCheck.Fail(SignatureFailure.StaleTimestamp, timestampHeader,
                $"{timestampHeader} is {(long)skew.TotalSeconds} s away from the verifier's clock; at most {(long)window.TotalSeconds} s is allowed");
        }

        var canonical = new SignatureInput(received.ClientId, received.RequestId, received.Timestamp, encodedTarget, body, received.IsResponse);
        var variants = new List<byte[]>(4);
        foreach (var label in received.IsResponse ? ResponseLabels : RequestLabels)
        {
            foreach (var form in RequestTarget.AcceptedForms(encodedTarget))
            {
                variants.Add(Encoding.UTF8.GetBytes(Signature.StringToSign(canonical with { Target = form, IsResponse = label })));
            }
        }
        var actual = Encoding.UTF8.GetBytes(received.Signature.Trim());
        for (var k = 0; k < secretKeys.Count; k++)
        {
            var key = Encoding.UTF8.GetBytes(secretKeys[k]);
            foreach (var variant in variants)
            {
                if (Matches(key, variant, actual))
                {
                    return new SignatureCheck(SignatureFailure.None, KeyIndex: k);
                }
            }
        }

        // A request without a body is signed without the Digest line; a client that hashed an empty body is told
        // so rather than left to guess (still refused: the scheme has one string to sign).
        var detail = body is null && secretKeys.Any(key => Matches(Encoding.UTF8.GetBytes(key),
                Encoding.UTF8.GetBytes(Signature.StringToSign(canonical with { Body = [] })), actual))
            ? "The Signature covers a Digest line; a request without a body is signed without it"
            : received.IsResponse ? "The answer's Signature does not match" : "The Signature does not match the request";
        return SignatureCheck.Fail(SignatureFailure.InvalidSignature, SignatureHeaders.Signature, detail, Signature.StringToSign(canonical));
    }

    /// <summary>
    /// Checks a received response end to end: the headers (<see cref="ReadResponse"/>), then the timestamp and
    /// signature (<see cref="Verify"/>) over <paramref name="target"/>, the path the request was sent to.
    /// </summary>
    public static SignatureCheck VerifyResponse(Func<string, string?> header, byte[] body, string target, string clientId, string requestId,
        IReadOnlyList<string> secretKeys, DateTimeOffset now, TimeSpan? tolerance)
    {
        var (received, check) = ReadResponse(header, clientId, requestId);
        return received is null ? check : Verify(received, secretKeys, target, body, now, tolerance);
    }

    private static readonly string[] RequestHeaderNames =
        [SignatureHeaders.ClientId, SignatureHeaders.RequestId, SignatureHeaders.RequestTimestamp, SignatureHeaders.Signature];

    private static readonly bool[] RequestLabels = [false];
    private static readonly bool[] ResponseLabels = [true, false];

    private static bool Matches(byte[] key, byte[] stringToSign, byte[] actual)
    {
        var expected = Encoding.ASCII.GetBytes(Signature.Prefix + Convert.ToBase64String(HMACSHA256.HashData(key, stringToSign)));
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }
}
