using Tunai.Gateway.BackOffice;
using Tunai.Signing;

namespace Tunai.Gateway.Api;

/// <summary>
/// Writes JSON bytes that were serialized once. When the request was signed (a merchant or an acquirer) the
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
        if (httpContext.Features.Get<SignedCaller>() is { } caller)
        {
            var time = httpContext.RequestServices.GetRequiredService<TimeProvider>();
            var timestamp = Signature.FormatTimestamp(time.WallClock().GetUtcNow());
            var input = new SignatureInput(caller.ClientId, caller.RequestId, timestamp, caller.Target, body, IsResponse: true);
            response.Headers[SignatureHeaders.ClientId] = caller.ClientId;
            response.Headers[SignatureHeaders.RequestId] = caller.RequestId;
            response.Headers[SignatureHeaders.ResponseTimestamp] = timestamp;
            response.Headers[SignatureHeaders.Signature] = Signature.Compute(caller.SecretKey, input);
        }
        await response.Body.WriteAsync(body, httpContext.RequestAborted);
    }
}
