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
            return await merchants.FindAsync(clientId, http.RequestAborted) is { } m ? ([m.SecretKey], m) : null;
        });
        if (error is not null)
        {
            return error;
        }
        http.Features.Set(new MerchantRequest(merchant!, caller!.RequestId, caller.Body, caller.Target));
        return await next(context);
    }
}
