using Tunai.Signing;
using Tunai.Gateway.Clock;

namespace Tunai.Gateway.Api;

/// <summary>
/// Writes JSON bytes that were serialized once. When the request was signed (a merchant or an acquirer) the
/// response carries Client-Id, Request-Id, Response-Timestamp and a Signature over exactly these bytes.
/// </summary>
public sealed class JsonBytesResult(int status, byte[] body, bool replayed = false) : IResult
{
    public int Status => status;

    public byte[] Body => body;

    /// <summary>What every JSON answer of the gateway starts with, signed or not (SNAP's too): status, type, length.</summary>
    public static void StartJson(HttpResponse response, int status, int length)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        // A browser must never take an answer (which echoes what merchants sent) for HTML or script.
        response.Headers.XContentTypeOptions = "nosniff";
        response.ContentLength = length;
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        StartJson(response, status, body.Length);
        if (replayed)
        {
            response.Headers["Tunai-Replayed"] = "true";
        }
        if (httpContext.Features.Get<SignedCaller>() is { } caller)
        {
            var time = httpContext.RequestServices.GetRequiredService<TimeProvider>();
            var signed = SignedEnvelope.SignResponse(caller.ClientId, caller.SecretKey, caller.RequestId, time.WallClock().GetUtcNow(), caller.Target, body);
            foreach (var (name, value) in signed.ToList())
            {
                response.Headers[name] = value;
            }
        }
        await response.Body.WriteAsync(body, httpContext.RequestAborted);
    }
}
