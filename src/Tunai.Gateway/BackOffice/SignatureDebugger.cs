using System.Text;
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
/// The sandbox's signature debugger. The string to sign comes from <see cref="Signature.StringToSign"/>, the one
/// place the rule lives; this class only reads pasted headers and compares.
/// </summary>
public static class SignatureDebugger
{
    public static SignatureDiagnosis Diagnose(string headers, string? body, string secret, string target, string? theirStringToSign)
    {
        var h = ParseHeaders(headers);
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
