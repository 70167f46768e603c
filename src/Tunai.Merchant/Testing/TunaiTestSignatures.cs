using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Tunai.Signing;

namespace Tunai.Merchant.Testing;

/// <summary>A request signed as the gateway signs it: send it to your own endpoint in your tests.</summary>
/// <param name="Path">The path it is signed for (the Request-Target).</param>
/// <param name="Headers">Client-Id, Request-Id, Request-Timestamp and Signature.</param>
/// <param name="Body">The exact body bytes the signature covers.</param>
public sealed record SignedTestRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    /// <summary>A POST of the body with the headers, to <see cref="Path"/> under <paramref name="baseAddress"/> (or relative).</summary>
    public HttpRequestMessage ToHttpRequestMessage(Uri? baseAddress = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, baseAddress is null ? new Uri(Path, UriKind.Relative) : new Uri(baseAddress, Path))
        {
            Content = new ByteArrayContent(Body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return request;
    }
}

/// <summary>
/// Builds correctly signed notification and direct-inquiry requests for a merchant's own tests, the way
/// Stripe's GenerateSignatureHeader does for webhooks: same credentials as production, no gateway needed.
/// </summary>
public static class TunaiTestSignatures
{
    /// <summary>The path the samples use for notifications.</summary>
    public const string DefaultNotificationPath = "/payments/notifications";

    /// <summary>The path the samples use for direct inquiry.</summary>
    public const string DefaultInquiryPath = "/payments/inquiry";

    /// <summary>Signs any body as the gateway would send it to <paramref name="path"/>.</summary>
    /// <param name="clientId">The merchant's Client-Id.</param>
    /// <param name="secretKey">The merchant's secret key (use a wrong one to test refusals).</param>
    /// <param name="path">The path of the merchant's URL.</param>
    /// <param name="body">The exact bytes to send.</param>
    /// <param name="timestamp">When it is signed; now by default (an old one tests the staleness check).</param>
    /// <param name="requestId">The Request-Id; a new GUID by default.</param>
    public static SignedTestRequest Sign(string clientId, string secretKey, string path, byte[] body, DateTimeOffset? timestamp = null, string? requestId = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        requestId ??= Guid.NewGuid().ToString();
        var signed = SignedEnvelope.SignRequest(clientId, secretKey, requestId, timestamp ?? TimeProvider.System.GetUtcNow(), RequestTarget.Encode(path), body);
        return new SignedTestRequest(path, signed.ToList().ToDictionary(h => h.Key, h => h.Value), body);
    }

    /// <summary>A signed notification of a payment (or, with status FAILED, a reversal) shaped as the gateway sends it.</summary>
    public static SignedTestRequest Notification(string clientId, string secretKey, string invoiceNumber, long amount, string paymentCode,
        string status = TransactionStatus.Success, string path = DefaultNotificationPath, DateTimeOffset? timestamp = null, string? requestId = null)
    {
        var at = Signature.FormatTimestamp(timestamp ?? TimeProvider.System.GetUtcNow());
        var body = $$$"""
            {"service":{"id":"ONLINE_TO_OFFLINE"},"acquirer":{"id":"ALFA"},"channel":{"id":"ONLINE_TO_OFFLINE_ALFA"},"order":{"invoice_number":{{{Json(invoiceNumber)}}},"amount":{{{amount.ToString(CultureInfo.InvariantCulture)}}}},"online_to_offline_info":{"payment_code":{{{Json(paymentCode)}}}},"online_to_offline_payment":{"identifier":[{"name":"AGENT_ID","value":"ALFAMART"},{"name":"AGENT_STORE_ID","value":"TZ01"},{"name":"AGENT_TRX_ID","value":"TEST-1"}]},"transaction":{"status":{{{Json(status)}}},"date":"{{{at}}}","original_request_id":"{{{Guid.NewGuid()}}}"},"additional_info":{}}
            """;
        return Sign(clientId, secretKey, path, Encoding.UTF8.GetBytes(body), timestamp, requestId);
    }

    /// <summary>A signed direct-inquiry request for <paramref name="paymentCode"/>, shaped as the gateway sends it.</summary>
    public static SignedTestRequest DirectInquiry(string clientId, string secretKey, string paymentCode,
        string path = DefaultInquiryPath, DateTimeOffset? timestamp = null, string? requestId = null)
    {
        var at = Signature.FormatTimestamp(timestamp ?? TimeProvider.System.GetUtcNow());
        var body = $$$"""
            {"service":{"id":"ONLINE_TO_OFFLINE"},"acquirer":{"id":"ALFA"},"channel":{"id":"ONLINE_TO_OFFLINE_ALFA"},"online_to_offline_info":{"payment_code":{{{Json(paymentCode)}}}},"online_to_offline_inquiry":{"date":"{{{at}}}","identifier":[{"name":"AGENT_ID","value":"ALFAMART"},{"name":"AGENT_STORE_ID","value":"TZ01"},{"name":"AGENT_TRX_ID","value":"TEST-1"}]}}
            """;
        return Sign(clientId, secretKey, path, Encoding.UTF8.GetBytes(body), timestamp, requestId);
    }

    /// <summary>
    /// True when a response to <paramref name="request"/> is signed by the merchant as the gateway checks it
    /// (Client-Id, Request-Id echo, Response-Timestamp, Signature over the body): for testing an Inquiry URL.
    /// </summary>
    public static bool IsSignedResponse(SignedTestRequest request, string secretKey, Func<string, string?> responseHeader, byte[] responseBody)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseHeader);
        var check = SignedEnvelope.VerifyResponse(responseHeader, responseBody, RequestTarget.Encode(request.Path),
            request.Headers[SignatureHeaders.ClientId], request.Headers[SignatureHeaders.RequestId], [secretKey], DateTimeOffset.UnixEpoch, tolerance: null);
        return check.IsValid;
    }

    private static string Json(string value) => System.Text.Json.JsonSerializer.Serialize(value, TunaiJson.Default.String);
}
