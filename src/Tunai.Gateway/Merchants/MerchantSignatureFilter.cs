using Tunai.Gateway.Api;
using Tunai.Gateway.Configuration;

namespace Tunai.Gateway.Merchants;

/// <summary>
/// Authenticates a merchant request (<see cref="SignedRequests"/>); the endpoint then finds it as the
/// <see cref="MerchantRequest"/> feature.
/// </summary>
public sealed class MerchantSignatureFilter(MerchantCache merchants, TunaiOptions options, TimeProvider time)
    : SignatureFilter<Merchant>(options, time)
{
    protected override ValueTask<Merchant?> FindAsync(string clientId, CancellationToken ct) => merchants.FindAsync(clientId, ct);

    protected override ApiError Disabled =>
        ApiError.Unauthorized("merchant_disabled", "This merchant is disabled; ask the gateway's operator", Tunai.Signing.SignatureHeaders.ClientId);

    protected override void Admit(HttpContext http, SignedCaller caller, Merchant merchant) =>
        http.Features.Set(new MerchantRequest(merchant, caller.RequestId, caller.Body, caller.Target));
}
