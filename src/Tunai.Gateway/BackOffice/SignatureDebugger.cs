using Tunai.Signing;

namespace Tunai.Gateway.BackOffice;

/// <summary>What the signature debugger found: the gateway's string to sign, the signature it expects, and what differs.</summary>
public sealed record SignatureDiagnosis(
    string? StringToSign,
    string? ExpectedSignature,
    bool? Matches,
    int? DifferingLine,
    string? DifferingLineName,
    string? Hint,
    string? Problem);

/// <summary>
/// The sandbox's signature debugger. The string to sign comes from <see cref="Signature.StringToSign"/> (or, for SNAP,
/// <see cref="SnapSignature"/>), the one place each rule lives; this class only reads pasted headers and compares.
/// </summary>
public static class SignatureDebugger
{
    public static SignatureDiagnosis Diagnose(string headers, string? body, string secret, string target, string? theirStringToSign)
    {
        var h = ParseHeaders(headers);
        if (h.ContainsKey(SnapHeaders.Timestamp) || h.ContainsKey(SnapHeaders.Signature))
        {
            return DiagnoseSnap(h, body, secret, target, theirStringToSign);
        }
        h.TryGetValue(SignatureHeaders.ClientId, out var clientId);
        h.TryGetValue(SignatureHeaders.RequestId, out var requestId);
        var isResponse = h.TryGetValue(SignatureHeaders.ResponseTimestamp, out var responseTimestamp);
        var timestamp = isResponse ? responseTimestamp : h.GetValueOrDefault(SignatureHeaders.RequestTimestamp);
        h.TryGetValue(SignatureHeaders.Signature, out var signature);
        var missing = new[] { (SignatureHeaders.ClientId, clientId), (SignatureHeaders.RequestId, requestId), ("Request-Timestamp", timestamp) }
            .Where(x => string.IsNullOrEmpty(x.Item2)).Select(x => x.Item1).ToList();
        if (missing.Count > 0)
        {
            return new(null, null, null, null, null, null, "Missing header(s): " + string.Join(", ", missing));
        }
        if (string.IsNullOrEmpty(target) || !target.StartsWith('/'))
        {
            return new(null, null, null, null, null, null, "Request-Target must be the URL's path, starting with /");
        }
        // A GET (no body pasted) is signed without the Digest line.
        var bytes = string.IsNullOrEmpty(body) ? null : Encoding.UTF8.GetBytes(body);
        var input = new SignatureInput(clientId!, requestId!, timestamp!, target, bytes, isResponse);
        var stringToSign = Signature.StringToSign(input);
        var expected = Signature.Sign(secret, stringToSign);
        bool? matches = signature is null ? null : Signature.Verify(secret, input, signature);

        int? line = null;
        string? lineName = null;
        string? hint = null;
        if (!string.IsNullOrEmpty(theirStringToSign))
        {
            var ours = stringToSign.Split('\n');
            var theirs = theirStringToSign.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
            for (var i = 0; i < Math.Max(ours.Length, theirs.Length); i++)
            {
                var a = i < ours.Length ? ours[i] : null;
                var b = i < theirs.Length ? theirs[i] : null;
                if (!string.Equals(a, b, StringComparison.Ordinal))
                {
                    line = i + 1;
                    lineName = (a ?? b ?? "").Split(':', 2)[0];
                    hint = a is null ? "Your string to sign has a line the gateway's has not"
                        : b is null ? "Your string to sign lacks this line"
                        : "This line differs";
                    break;
                }
            }
        }
        else if (matches == false)
        {
            (line, lineName, hint) = Guess(secret, input, signature!, stringToSign);
        }
        return new(stringToSign, expected, matches, line, lineName, hint, null);
    }

    /// <summary>Without the sender's string to sign, tries the usual mistakes one line at a time.</summary>
    private static (int?, string?, string?) Guess(string secret, SignatureInput input, string signature, string stringToSign)
    {
        var lines = stringToSign.Split('\n');
        int LineOf(string name) => Array.FindIndex(lines, l => l.StartsWith(name + ":", StringComparison.Ordinal)) + 1;
        if (input.Body is { } body)
        {
            var text = Encoding.UTF8.GetString(body);
            foreach (var variant in new[] { text.TrimEnd('\n', '\r'), text + "\n" })
            {
                if (variant != text && Signature.Verify(secret, input with { Body = Encoding.UTF8.GetBytes(variant) }, signature))
                {
                    return (LineOf("Digest"), "Digest", "The body you signed differs from this one by a trailing newline");
                }
            }
            if (Signature.Verify(secret, input with { Body = null }, signature))
            {
                return (LineOf("Digest"), "Digest", "You signed without the Digest line; a request with a body is signed with it");
            }
        }
        else if (Signature.Verify(secret, input with { Body = [] }, signature))
        {
            return (LineOf("Digest") is > 0 and var d ? d : lines.Length + 1, "Digest", "You signed a Digest of an empty body; a request without a body has no Digest line");
        }
        if (Signature.Verify(secret, input with { IsResponse = !input.IsResponse }, signature))
        {
            return (3, input.IsResponse ? "Response-Timestamp" : "Request-Timestamp", "The timestamp line's label is the other one (Request- vs Response-Timestamp)");
        }
        foreach (var t in new[] { input.Target.TrimEnd('/'), input.Target + "/" })
        {
            if (t != input.Target && Signature.Verify(secret, input with { Target = t }, signature))
            {
                return (4, "Request-Target", $"You signed the path {t}");
            }
        }
        return (null, null, "The signature does not match: paste your string to sign to see which line differs, or check the secret key");
    }

    /// <summary>
    /// A SNAP request (X-TIMESTAMP, X-SIGNATURE). With X-CLIENT-KEY and no Authorization, a B2B token request: the
    /// string to sign is <c>clientId|timestamp</c>, verified with the PEM key pasted as the key (a public key verifies,
    /// a private one also gives the expected signature). Otherwise a transaction: <c>METHOD:path:token:hash:timestamp</c>
    /// with the HMAC of the secret key; the target may start with the method (<c>PUT /v1.0/transfer-va/update-va</c>,
    /// POST when left out).
    /// </summary>
    private static SignatureDiagnosis DiagnoseSnap(Dictionary<string, string> h, string? body, string key, string target, string? theirs)
    {
        var timestamp = h.GetValueOrDefault(SnapHeaders.Timestamp);
        var signature = h.GetValueOrDefault(SnapHeaders.Signature);
        if (string.IsNullOrEmpty(timestamp))
        {
            return new(null, null, null, null, null, null, "Missing header(s): " + SnapHeaders.Timestamp);
        }
        var bearer = h.GetValueOrDefault("Authorization") is { } auth && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth[7..].Trim() : null;
        if (bearer is null && h.GetValueOrDefault(SnapHeaders.ClientKey) is { Length: > 0 } clientId)
        {
            var tokenString = SnapSignature.TokenStringToSign(clientId, timestamp);
            if (!key.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                return new(tokenString, null, null, null, null,
                    "A token request is signed with RSA: paste the PEM public key (to verify) or private key (to also see the expected signature) as the key", null);
            }
            using var rsa = System.Security.Cryptography.RSA.Create();
            try
            {
                rsa.ImportFromPem(key);
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                return new(tokenString, null, null, null, null, null, "The key is not an RSA key in PEM");
            }
            var expected = key.Contains("PRIVATE KEY", StringComparison.Ordinal) ? SnapSignature.SignToken(rsa, clientId, timestamp) : null;
            bool? verified = signature is null ? null : SnapSignature.VerifyToken(rsa, clientId, timestamp, signature);
            var differs = theirs is not null && theirs.Trim() != tokenString;
            return new(tokenString, expected, verified, differs ? 1 : null, differs ? "clientId|X-TIMESTAMP" : null,
                differs ? "Your string to sign differs: it is X-CLIENT-KEY, a |, and X-TIMESTAMP exactly as sent"
                : verified == false ? "The signature does not verify with this key: SHA256withRSA (PKCS#1 v1.5) over this string, base64" : null, null);
        }
        if (bearer is null)
        {
            return new(null, null, null, null, null, null, "Missing header(s): Authorization (Bearer token) for a transaction, or X-CLIENT-KEY for a token request");
        }
        var parts = target.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        var (method, path) = parts.Length == 2 ? (parts[0], parts[1]) : ("POST", target);
        if (!path.StartsWith('/'))
        {
            return new(null, null, null, null, null, null, "Request-Target must be the URL's path (optionally after the method), starting with /");
        }
        var bytes = string.IsNullOrEmpty(body) ? [] : Encoding.UTF8.GetBytes(body);
        var (stringToSign, expectedHmac) = SnapSignature.SignTransaction(key, method, path, bearer, bytes, timestamp);
        bool? matches = signature is null ? null : SnapSignature.VerifyTransaction(key, stringToSign, signature);
        string[] names = ["METHOD", "path", "accessToken", "body hash", "X-TIMESTAMP"];
        if (!string.IsNullOrEmpty(theirs))
        {
            var ours = stringToSign.Split(':', 5);
            var their = theirs.Trim().Split(':', 5);
            for (var i = 0; i < names.Length; i++)
            {
                if (i >= their.Length || ours[i] != their[i])
                {
                    return new(stringToSign, expectedHmac, matches, 1, names[i], $"The {names[i]} part differs", null);
                }
            }
        }
        else if (matches == false)
        {
            if (SnapSignature.VerifyTransaction([key], method, path, bearer, bytes, timestamp, signature))
            {
                return new(stringToSign, expectedHmac, matches, 1, "body hash",
                    "You hashed the body without its whitespace or re-serialised; Tunai accepts that, but this is the string over the exact bytes", null);
            }
            return new(stringToSign, expectedHmac, matches, null, null,
                "The signature does not match: paste your string to sign to see which part differs, or check the secret key (the body hash is lowercase hex SHA-256)", null);
        }
        return new(stringToSign, expectedHmac, matches, null, null, null, null);
    }

    /// <summary>Reads "Name: value" lines, as copied from a log, curl -v or curl -H arguments.</summary>
    public static Dictionary<string, string> ParseHeaders(string text)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim().TrimStart('>', '<', ' ');
            if (line.StartsWith("-H ", StringComparison.Ordinal))
            {
                line = line[3..].Trim().Trim('\'', '"');
            }
            line = line.TrimEnd('\\', ' ').Trim('\'', '"');
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }
        return headers;
    }
}
