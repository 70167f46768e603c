namespace Tunai.Merchant;

/// <summary>Checks a direct-inquiry request from any web framework (headers, raw body, the Inquiry URL's path).</summary>
public sealed class DirectInquiryVerifier
{
    private readonly InboundCheck _check;

    /// <summary>Creates a verifier for a merchant's credentials; <paramref name="tolerance"/> defaults to 5 minutes.</summary>
    public DirectInquiryVerifier(string clientId, string secretKey, TimeSpan? tolerance = null, TimeProvider? time = null) =>
        _check = InboundCheck.For(clientId, secretKey, null, tolerance, time);

    /// <summary>
    /// Creates a verifier from the SDK's options: during a key rotation an inquiry signed with
    /// <see cref="TunaiMerchantOptions.PreviousSecretKey"/> verifies too.
    /// </summary>
    public DirectInquiryVerifier(TunaiMerchantOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _check = InboundCheck.For(options.ClientId, options.SecretKey, options.PreviousSecretKey, options.TimestampTolerance, time);
    }

    /// <summary>
    /// Verifies and parses an inquiry; <paramref name="header"/> looks a header up by name (case-insensitive);
    /// <paramref name="requestPath"/> is the path as received, raw (percent-encoded) if the framework gives it, else decoded.
    /// </summary>
    public Verification<DirectInquiryRequest> Verify(Func<string, string?> header, byte[] body, string requestPath) =>
        _check.Verify(header, body, requestPath, TunaiJson.Default.DirectInquiryRequest, "inquiry",
            request => request.OnlineToOfflineInfo?.PaymentCode is { Length: > 0 }, "online_to_offline_info.payment_code",
            (request, requestId) => request with { RequestId = requestId });

    /// <summary>Verifies and parses an inquiry given its headers as name/value pairs.</summary>
    public Verification<DirectInquiryRequest> Verify(IEnumerable<KeyValuePair<string, string>> headers, byte[] body, string requestPath) =>
        Verify(InboundCheck.Lookup(headers), body, requestPath);
}
