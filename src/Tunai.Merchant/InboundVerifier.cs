using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Tunai.Signing;

namespace Tunai.Merchant;

/// <summary>Why a signed request from the gateway was refused.</summary>
public enum RejectionReason
{
    /// <summary>Not refused.</summary>
    None,

    /// <summary>Client-Id, Request-Id, Request-Timestamp or Signature is missing.</summary>
    MissingHeader,

    /// <summary>The Client-Id is not this merchant's.</summary>
    WrongClientId,

    /// <summary>Request-Timestamp is not UTC ISO-8601.</summary>
    InvalidTimestamp,

    /// <summary>Request-Timestamp is further from this machine's clock than the tolerance.</summary>
    StaleTimestamp,

    /// <summary>The Signature does not match the headers, path and body.</summary>
    InvalidSignature,

    /// <summary>Signed correctly, but the body is not the expected JSON.</summary>
    MalformedBody,
}

/// <summary>The outcome of checking a signed request: the parsed value, or why it was refused.</summary>
/// <typeparam name="T">What the body is parsed into.</typeparam>
/// <param name="Value">The parsed body; null when refused.</param>
/// <param name="Rejection">Why it was refused, or <see cref="RejectionReason.None"/>.</param>
/// <param name="Detail">A sentence for logs saying what was wrong.</param>
public sealed record Verification<T>(T? Value, RejectionReason Rejection, string? Detail) where T : class
{
    /// <summary>True when the request is authentic, fresh and parsed.</summary>
    public bool IsValid => Value is not null && Rejection == RejectionReason.None;
}

/// <summary>
/// Checks a request the gateway sent to the merchant with <see cref="SignedEnvelope"/> (wire notes section 1):
/// the four headers, this merchant's Client-Id, the time window and the Signature over the path (encoded or
/// decoded) and the raw body.
/// </summary>
internal sealed class InboundCheck(string clientId, string[] secretKeys, TimeSpan tolerance, TimeProvider time)
{
    /// <summary>
    /// The check for a merchant's credentials: a signature made with <paramref name="secretKey"/> or, during a rotation,
    /// with <paramref name="previousSecretKey"/> verifies; <paramref name="tolerance"/> defaults to 5 minutes.
    /// </summary>
    public static InboundCheck For(string clientId, string secretKey, string? previousSecretKey, TimeSpan? tolerance, TimeProvider? time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clientId);
        ArgumentException.ThrowIfNullOrWhiteSpace(secretKey);
        string[] keys = string.IsNullOrWhiteSpace(previousSecretKey) ? [secretKey] : [secretKey, previousSecretKey];
        return new InboundCheck(clientId, keys, tolerance ?? TimeSpan.FromMinutes(5), time ?? TimeProvider.System);
    }

    /// <summary>
    /// Checks the request (<see cref="Check"/>), then parses its body with <paramref name="type"/>: a body that is not
    /// the expected JSON, or lacks what <paramref name="complete"/> asks for (<paramref name="required"/> names it), is
    /// refused as malformed, the refusal's detail calling the body <paramref name="what"/> (<c>inquiry</c>,
    /// <c>notification</c>). The value returned is <paramref name="withRequestId"/>'s: the body with its Request-Id.
    /// </summary>
    public Verification<T> Verify<T>(Func<string, string?> header, byte[] body, string requestPath, JsonTypeInfo<T> type,
        string what, Func<T, bool> complete, string required, Func<T, string, T> withRequestId) where T : class
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(requestPath);
        var (requestId, reason, detail) = Check(header, body, requestPath);
        if (reason != RejectionReason.None)
        {
            return new(null, reason, detail);
        }
        try
        {
            var value = JsonSerializer.Deserialize(body, type);
            if (value is null || !complete(value))
            {
                return new(null, RejectionReason.MalformedBody, $"The {what} lacks {required}");
            }
            return new(withRequestId(value, requestId!), RejectionReason.None, null);
        }
        catch (JsonException e)
        {
            return new(null, RejectionReason.MalformedBody, $"The {what} is not the expected JSON: {e.Message}");
        }
    }

    /// <param name="header">Looks a header up by name.</param>
    /// <param name="body">The raw body bytes.</param>
    /// <param name="requestPath">The path as received: the raw, percent-encoded one when the server gives it, or the decoded one.</param>
    public (string? RequestId, RejectionReason Reason, string? Detail) Check(Func<string, string?> header, byte[] body, string requestPath)
    {
        var (received, read) = SignedEnvelope.ReadRequest(header);
        if (received is null)
        {
            return (header(SignatureHeaders.RequestId)?.Trim(), RejectionReason.MissingHeader, read.Failure == SignatureFailure.RequestIdTooLong
                ? read.Detail
                : "Client-Id, Request-Id, Request-Timestamp and Signature are required");
        }
        if (!string.Equals(received.ClientId, clientId, StringComparison.Ordinal))
        {
            return (received.RequestId, RejectionReason.WrongClientId, "The Client-Id is not this merchant's");
        }
        // A decoded path given by a framework is encoded again: the gateway signs the encoded form.
        var check = SignedEnvelope.Verify(received, secretKeys, RequestTarget.Encode(requestPath), body, time.GetUtcNow(), tolerance);
        var reason = check.Failure switch
        {
            SignatureFailure.None => RejectionReason.None,
            SignatureFailure.InvalidTimestamp => RejectionReason.InvalidTimestamp,
            SignatureFailure.StaleTimestamp => RejectionReason.StaleTimestamp,
            _ => RejectionReason.InvalidSignature,
        };
        return (received.RequestId, reason, check.Detail);
    }

    public static Func<string, string?> Lookup(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            map[name] = value;
        }
        return name => map.TryGetValue(name, out var value) ? value : null;
    }
}
