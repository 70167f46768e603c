using Tunai.Gateway.Api;
using Tunai.Gateway.Configuration;

namespace Tunai.Gateway.Acquirers;

/// <summary>Authenticates the store's request with the acquirer's credentials (the same HMAC scheme as merchants).</summary>
public sealed class AcquirerSignatureFilter(AcquirerCache acquirers, TunaiOptions options, TimeProvider time) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var (_, acquirer, error) = await SignedRequests.VerifyAsync<Acquirer>(http, options, time, async clientId =>
        {
            return await acquirers.FindAsync(clientId, http.RequestAborted) is { } a ? (a.VerifyingKeys(time.GetUtcNow()), a) : null;
        });
        if (error is not null)
        {
            return error;
        }
        if (acquirer!.IsDisabled)
        {
            return ApiError.Unauthorized("acquirer_disabled", "This acquirer connection is disabled", Tunai.Signing.SignatureHeaders.ClientId);
        }
        http.Features.Set(acquirer!);
        return await next(context);
    }
}
