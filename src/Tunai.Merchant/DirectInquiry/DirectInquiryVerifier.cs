using System.Text.Json;

namespace Tunai.Merchant;

/// <summary>Checks a direct-inquiry request from any web framework (headers, raw body, the Inquiry URL's path).</summary>
public sealed class DirectInquiryVerifier
{
    private readonly InboundCheck _check;

    /// <summary>Creates a verifier for a merchant's credentials; <paramref name="tolerance"/> defaults to 5 minutes.</summary>
    public DirectInquiryVerifier(string clientId, string secretKey, TimeSpan? tolerance = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clientId);
        ArgumentException.ThrowIfNullOrWhiteSpace(secretKey);
        _check = new InboundCheck(clientId, secretKey, tolerance ?? TimeSpan.FromMinutes(5), time ?? TimeProvider.System);
    }

    /// <summary>
    /// Verifies and parses an inquiry; <paramref name="header"/> looks a header up by name (case-insensitive);
    /// <paramref name="requestPath"/> is the path as received, raw (percent-encoded) if the framework gives it, else decoded.
    /// </summary>
    public Verification<DirectInquiryRequest> Verify(Func<string, string?> header, byte[] body, string requestPath)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(requestPath);
        var (requestId, reason, detail) = _check.Check(header, body, requestPath);
        if (reason != RejectionReason.None)
        {
            return new(null, reason, detail);
        }
        try
        {
            var request = JsonSerializer.Deserialize(body, TunaiJson.Default.DirectInquiryRequest);
            if (request?.OnlineToOfflineInfo?.PaymentCode is not { Length: > 0 })
            {
                return new(null, RejectionReason.MalformedBody, "The inquiry lacks online_to_offline_info.payment_code");
            }
            return new(request with { RequestId = requestId! }, RejectionReason.None, null);
        }
        catch (JsonException e)
        {
            return new(null, RejectionReason.MalformedBody, $"The inquiry is not the expected JSON: {e.Message}");
        }
    }

    /// <summary>Verifies and parses an inquiry given its headers as name/value pairs.</summary>
    public Verification<DirectInquiryRequest> Verify(IEnumerable<KeyValuePair<string, string>> headers, byte[] body, string requestPath) =>
        Verify(InboundCheck.Lookup(headers), body, requestPath);
}
