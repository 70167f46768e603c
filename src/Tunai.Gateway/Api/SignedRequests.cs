using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Configuration;
using Tunai.Signing;

namespace Tunai.Gateway.Api;

/// <summary>
/// Who signed the request being served: the response to it is signed with the same credentials
/// (<see cref="JsonBytesResult"/>), echoing Client-Id and Request-Id, Request-Target the request's path.
/// </summary>
public sealed record SignedCaller(string ClientId, string SecretKey, string RequestId, byte[]? Body, string Target);

/// <summary>
/// Checks a signed request (wire notes section 1) for any kind of caller, merchant or acquirer: the four
/// headers, the body (JSON, capped), a known Client-Id, Request-Timestamp within the tolerance, and the
/// Signature over the exact body bytes, compared in constant time.
/// </summary>
public static class SignedRequests
{
    /// <param name="findSecret">The caller's secret key for a Client-Id, with whatever the caller is; null when unknown.</param>
    public static async Task<(SignedCaller? Caller, T? Party, ApiError? Error)> VerifyAsync<T>(
        HttpContext http, TunaiOptions options, TimeProvider time, Func<string, Task<(string Secret, T Party)?>> findSecret)
        where T : class
    {
        var request = http.Request;
        var headers = request.Headers;
        foreach (var name in new[] { SignatureHeaders.ClientId, SignatureHeaders.RequestId, SignatureHeaders.RequestTimestamp, SignatureHeaders.Signature })
        {
            if (string.IsNullOrWhiteSpace(headers[name]))
            {
                return (null, null, ApiError.Unauthorized("missing_header", $"The {name} header is required", name));
            }
        }
        string clientId = headers[SignatureHeaders.ClientId]!, requestId = headers[SignatureHeaders.RequestId]!;
        string timestamp = headers[SignatureHeaders.RequestTimestamp]!, signature = headers[SignatureHeaders.Signature]!;
        if (requestId.Length > 128)
        {
            return (null, null, new ApiError(StatusCodes.Status400BadRequest, "invalid_request_id",
                "Request-Id must be at most 128 characters", SignatureHeaders.RequestId));
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

        if (await findSecret(clientId) is not { } found)
        {
            return (null, null, ApiError.Unauthorized("unknown_client", "The Client-Id is not known", SignatureHeaders.ClientId));
        }
        if (!Signature.TryParseTimestamp(timestamp, out var sentAt))
        {
            return (null, null, ApiError.Unauthorized("invalid_timestamp",
                "Request-Timestamp must be UTC ISO-8601, e.g. 2020-08-11T08:45:42Z", SignatureHeaders.RequestTimestamp));
        }
        var skew = (time.WallClock().GetUtcNow() - sentAt).Duration();
        if (skew > options.MerchantApi.TimestampTolerance)
        {
            return (null, null, ApiError.Unauthorized("stale_timestamp",
                $"Request-Timestamp is {(int)skew.TotalSeconds} s away from the gateway's clock; at most {(int)options.MerchantApi.TimestampTolerance.TotalSeconds} s is allowed",
                SignatureHeaders.RequestTimestamp));
        }

        var target = request.Path.Value ?? "/";
        var input = new SignatureInput(clientId, requestId, timestamp, target, body);
        if (!Signature.Verify(found.Secret, input, signature))
        {
            // A request without a body is signed without the Digest line; a client that hashed an empty body
            // is told so rather than left to guess (still refused: the scheme has one string to sign).
            var message = body is null && Signature.Verify(found.Secret, input with { Body = Array.Empty<byte>() }, signature)
                ? $"The Signature covers a Digest line; a {request.Method} has no body and is signed without it"
                : "The Signature does not match the request";
            // The first wall every integrator hits: the sandbox shows the string it signed (never the key).
            return (null, null, new ApiError(StatusCodes.Status401Unauthorized, "invalid_signature",
                message, SignatureHeaders.Signature,
                options.IsSandbox ? Signature.StringToSign(input) : null));
        }
        var caller = new SignedCaller(clientId, found.Secret, requestId, body, target);
        http.Features.Set(caller);
        return (caller, found.Party, null);
    }
}
