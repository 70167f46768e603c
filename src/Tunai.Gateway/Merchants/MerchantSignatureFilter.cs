using Tunai.Gateway.Api;
using Tunai.Gateway.Configuration;
using Tunai.Gateway.Storage;
using Tunai.Signing;

namespace Tunai.Gateway.Merchants;

/// <summary>
/// Authenticates a merchant request (wire notes section 1): known Client-Id, Request-Timestamp within the
/// tolerance, and a Signature over the exact body bytes, compared in constant time. On success the request
/// is available to the endpoint as the <see cref="MerchantRequest"/> feature.
/// </summary>
public sealed class MerchantSignatureFilter(Database database, TunaiOptions options, TimeProvider time) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var request = http.Request;
        var headers = request.Headers;

        foreach (var name in new[] { SignatureHeaders.ClientId, SignatureHeaders.RequestId, SignatureHeaders.RequestTimestamp, SignatureHeaders.Signature })
        {
            if (string.IsNullOrWhiteSpace(headers[name]))
            {
                return ApiError.Unauthorized("missing_header", $"The {name} header is required", name);
            }
        }
        string clientId = headers[SignatureHeaders.ClientId]!, requestId = headers[SignatureHeaders.RequestId]!;
        string timestamp = headers[SignatureHeaders.RequestTimestamp]!, signature = headers[SignatureHeaders.Signature]!;
        if (requestId.Length > 128)
        {
            return new ApiError(StatusCodes.Status400BadRequest, "invalid_request_id",
                "Request-Id must be at most 128 characters", SignatureHeaders.RequestId);
        }

        byte[]? body = null;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsDelete(request.Method))
        {
            (body, var bodyError) = await RequestBody.ReadAsync(request, options.MerchantApi.MaxBodyBytes);
            if (bodyError is not null)
            {
                return bodyError;
            }
        }

        Merchant? merchant;
        await using (var connection = await database.OpenAsync(http.RequestAborted))
        {
            merchant = await MerchantStore.FindAsync(connection, clientId);
        }
        if (merchant is null)
        {
            return ApiError.Unauthorized("unknown_client", "The Client-Id is not known", SignatureHeaders.ClientId);
        }

        if (!Signature.TryParseTimestamp(timestamp, out var sentAt))
        {
            return ApiError.Unauthorized("invalid_timestamp",
                "Request-Timestamp must be UTC ISO-8601, e.g. 2020-08-11T08:45:42Z", SignatureHeaders.RequestTimestamp);
        }
        var skew = time.GetUtcNow() - sentAt;
        if (skew.Duration() > options.MerchantApi.TimestampTolerance)
        {
            return ApiError.Unauthorized("stale_timestamp",
                $"Request-Timestamp is {(int)skew.Duration().TotalSeconds} s away from the gateway's clock; at most {(int)options.MerchantApi.TimestampTolerance.TotalSeconds} s is allowed",
                SignatureHeaders.RequestTimestamp);
        }

        var target = request.Path.Value ?? "/";
        var input = new SignatureInput(clientId, requestId, timestamp, target, body);
        if (!Signature.Verify(merchant.SecretKey, input, signature))
        {
            // The first wall every integrator hits: the sandbox shows the string it signed (never the key).
            return new ApiError(StatusCodes.Status401Unauthorized, "invalid_signature",
                "The Signature does not match the request",
                SignatureHeaders.Signature,
                options.IsSandbox ? Signature.StringToSign(input) : null);
        }

        http.Features.Set(new MerchantRequest(merchant, requestId, body, target));
        return await next(context);
    }
}
