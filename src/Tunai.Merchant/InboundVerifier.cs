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

/// <summary>Checks the four signature headers of a request the gateway sent to the merchant (wire notes section 1).</summary>
internal sealed class InboundCheck(string clientId, string secretKey, TimeSpan tolerance, TimeProvider time)
{
    public (string? RequestId, RejectionReason Reason, string? Detail) Check(Func<string, string?> header, byte[] body, string requestPath)
    {
        string? Get(string name) => header(name) is { Length: > 0 } v ? v.Trim() : null;
        var sentClientId = Get(SignatureHeaders.ClientId);
        var requestId = Get(SignatureHeaders.RequestId);
        var timestamp = Get(SignatureHeaders.RequestTimestamp);
        var signature = Get(SignatureHeaders.Signature);
        if (sentClientId is null || requestId is null || timestamp is null || signature is null)
        {
            return (requestId, RejectionReason.MissingHeader, "Client-Id, Request-Id, Request-Timestamp and Signature are required");
        }
        if (!string.Equals(sentClientId, clientId, StringComparison.Ordinal))
        {
            return (requestId, RejectionReason.WrongClientId, "The Client-Id is not this merchant's");
        }
        if (!Signature.TryParseTimestamp(timestamp, out var sentAt))
        {
            return (requestId, RejectionReason.InvalidTimestamp, "Request-Timestamp is not UTC ISO-8601");
        }
        var skew = (time.GetUtcNow() - sentAt).Duration();
        if (skew > tolerance)
        {
            return (requestId, RejectionReason.StaleTimestamp, $"Request-Timestamp is {(long)skew.TotalSeconds} s from this clock; at most {(long)tolerance.TotalSeconds} s is allowed");
        }
        var input = new SignatureInput(sentClientId, requestId, timestamp, requestPath, body);
        if (!Signature.Verify(secretKey, input, signature))
        {
            return (requestId, RejectionReason.InvalidSignature, "The Signature does not match the request");
        }
        return (requestId, RejectionReason.None, null);
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
