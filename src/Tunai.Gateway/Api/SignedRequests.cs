using Microsoft.AspNetCore.Http.Features;
using Tunai.Signing;
using Tunai.Gateway.Clock;

namespace Tunai.Gateway.Api;

/// <summary>
/// Who signed the request being served: the response to it is signed with the same credentials (the key that
/// verified) by <see cref="JsonBytesResult"/>, echoing Client-Id and Request-Id, Request-Target the request's
/// path as it travelled (percent-encoded).
/// </summary>
public sealed record SignedCaller(string ClientId, string SecretKey, string RequestId, byte[]? Body, string Target);

/// <summary>
/// Checks a signed request for any kind of caller, merchant or acquirer, with <see cref="SignedEnvelope"/>: the
/// four headers, the body (JSON, capped), a known Client-Id, Request-Timestamp within the tolerance, and the
/// Signature over the exact body bytes and the path (encoded or decoded), compared in constant time.
/// </summary>
public static class SignedRequests
{
    /// <param name="findSecrets">
    /// The caller's secret keys for a Client-Id (every key that may verify: one, or two during a rotation), with
    /// whatever the caller is; null when unknown.
    /// </param>
    public static async Task<(SignedCaller? Caller, T? Party, ApiError? Error)> VerifyAsync<T>(
        HttpContext http, TunaiOptions options, TimeProvider time, Func<string, Task<(IReadOnlyList<string> Secrets, T Party)?>> findSecrets)
        where T : class
    {
        var request = http.Request;
        var (headers, read) = SignedEnvelope.ReadRequest(name => request.Headers.TryGetValue(name, out var v) ? v.ToString() : null);
        if (headers is null)
        {
            return (null, null, read.Failure == SignatureFailure.RequestIdTooLong
                ? new ApiError(StatusCodes.Status400BadRequest, "invalid_request_id", read.Detail!, read.Header)
                : ApiError.Unauthorized("missing_header", read.Detail!, read.Header));
        }

        byte[]? body = null;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsDelete(request.Method))
        {
            (body, var bodyError) = await RequestBody.ReadAsync(request, options.MerchantApi.MaxBodyBytes);
            if (bodyError is not null)
            {
                return (null, null, bodyError);
            }
        }

        if (await findSecrets(headers.ClientId) is not { } found)
        {
            return (null, null, ApiError.Unauthorized("unknown_client", "The Client-Id is not known", SignatureHeaders.ClientId));
        }
        var target = EncodedPath(http);
        var check = SignedEnvelope.Verify(headers, found.Secrets, target, body, time.WallClock().GetUtcNow(), options.MerchantApi.TimestampTolerance);
        if (!check.IsValid)
        {
            var code = check.Failure switch
            {
                SignatureFailure.InvalidTimestamp => "invalid_timestamp",
                SignatureFailure.StaleTimestamp => "stale_timestamp",
                _ => "invalid_signature",
            };
            // The first wall every integrator hits: the sandbox shows the string it signed (never the key).
            return (null, null, new ApiError(StatusCodes.Status401Unauthorized, code, check.Detail!, check.Header,
                options.IsSandbox ? check.StringToSign : null));
        }
        var caller = new SignedCaller(headers.ClientId, found.Secrets[check.KeyIndex], headers.RequestId, body, target);
        http.Features.Set(caller);
        return (caller, found.Party, null);
    }

    /// <summary>
    /// The path as it came on the wire (Kestrel's raw target), which is what signers sign; ASP.NET Core's
    /// <c>Request.Path</c> is decoded. Without a raw target (another server) the decoded path is encoded again.
    /// </summary>
    public static string EncodedPath(HttpContext http)
    {
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget;
        return string.IsNullOrEmpty(raw)
            ? RequestTarget.Encode((http.Request.PathBase + http.Request.Path).Value ?? "/")
            : RequestTarget.FromRawTarget(raw);
    }
}
