using Tunai.Gateway.Abuse;

namespace Tunai.Gateway.Merchants;

/// <summary>
/// Authenticates a merchant request (<see cref="SignedRequests"/>); the endpoint then finds it as the
/// <see cref="MerchantRequest"/> feature.
/// </summary>
public sealed class MerchantSignatureFilter(MerchantCache merchants, TunaiOptions options, TimeProvider time)
    : SignatureFilter<Merchant>(options, time, "merchant_disabled", "This merchant is disabled; ask the gateway's operator")
{
    protected override ValueTask<Merchant?> FindAsync(string clientId, CancellationToken ct) => merchants.FindAsync(clientId, ct);

    protected override void Admit(HttpContext http, SignedCaller caller, Merchant merchant) =>
        http.Features.Set(new MerchantRequest(merchant, caller.RequestId, caller.Body, caller.Target));
}

public static class MerchantSignatures
{
    /// <summary>
    /// The merchant's signed API on a group: failed authentications counted around the signature check, then the
    /// merchant's request rate, once the merchant is known.
    /// </summary>
    public static RouteGroupBuilder RequireMerchantSignature(this RouteGroupBuilder group) =>
        group.LimitAuthenticationFailures()
            .AddEndpointFilter<MerchantSignatureFilter>()
            .LimitPerCaller(RateKind, PerSecond);

    /// <summary>A merchant's request budget: one per merchant, spent by its Alfa O2O API and SNAP requests alike.</summary>
    public const string RateKind = "merchant";

    /// <summary>The merchant's configured request rate.</summary>
    public static int PerSecond(RateLimitOptions limits) => limits.MerchantRequestsPerSecond;
}
