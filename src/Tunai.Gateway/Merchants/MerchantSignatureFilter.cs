using Tunai.Gateway.Api;
using Tunai.Gateway.Configuration;

namespace Tunai.Gateway.Merchants;

/// <summary>
/// Authenticates a merchant request (<see cref="SignedRequests"/>); the endpoint then finds it as the
/// <see cref="MerchantRequest"/> feature.
/// </summary>
public sealed class MerchantSignatureFilter(MerchantCache merchants, TunaiOptions options, TimeProvider time) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var (caller, merchant, error) = await SignedRequests.VerifyAsync<Merchant>(http, options, time, async clientId =>
        {
            return await merchants.FindAsync(clientId, http.RequestAborted) is { } m ? (m.VerifyingKeys(time.GetUtcNow()), m) : null;
        });
        if (error is not null)
        {
            return error;
        }
        if (merchant!.IsDisabled)
        {
            return ApiError.Unauthorized("merchant_disabled", "This merchant is disabled; ask the gateway's operator", Tunai.Signing.SignatureHeaders.ClientId);
        }
        http.Features.Set(new MerchantRequest(merchant!, caller!.RequestId, caller.Body, caller.Target));
        return await next(context);
    }
}
