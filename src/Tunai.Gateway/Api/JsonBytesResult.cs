using Tunai.Gateway.Merchants;
using Tunai.Signing;

namespace Tunai.Gateway.Api;

/// <summary>
/// Writes JSON bytes that were serialized once. When the request came from an authenticated merchant the
/// response carries Client-Id, Request-Id, Response-Timestamp and a Signature over exactly these bytes.
/// </summary>
public sealed class JsonBytesResult(int status, byte[] body, bool replayed = false) : IResult
{
    public int Status => status;

    public byte[] Body => body;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        if (replayed)
        {
            response.Headers["Tunai-Replayed"] = "true";
        }
        if (httpContext.Features.Get<MerchantRequest>() is { } request)
        {
            var time = httpContext.RequestServices.GetRequiredService<TimeProvider>();
            var timestamp = Signature.FormatTimestamp(time.GetUtcNow());
            var input = new SignatureInput(request.Merchant.ClientId, request.RequestId, timestamp, request.Target, body, IsResponse: true);
            response.Headers[SignatureHeaders.ClientId] = request.Merchant.ClientId;
            response.Headers[SignatureHeaders.RequestId] = request.RequestId;
            response.Headers[SignatureHeaders.ResponseTimestamp] = timestamp;
            response.Headers[SignatureHeaders.Signature] = Signature.Compute(request.Merchant.SecretKey, input);
        }
        await response.Body.WriteAsync(body, httpContext.RequestAborted);
    }
}
