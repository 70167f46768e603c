using Tunai.Gateway.Abuse;

namespace Tunai.Gateway.Acquirers;

/// <summary>Authenticates the store's request with the acquirer's credentials (the same HMAC scheme as merchants).</summary>
public sealed class AcquirerSignatureFilter(AcquirerCache acquirers, TunaiOptions options, TimeProvider time)
    : SignatureFilter<Acquirer>(options, time, "acquirer_disabled", "This acquirer connection is disabled")
{
    protected override ValueTask<Acquirer?> FindAsync(string clientId, CancellationToken ct) => acquirers.FindAsync(clientId, ct);

    protected override void Admit(HttpContext http, SignedCaller caller, Acquirer acquirer) => http.Features.Set(acquirer);
}

public static class StoreSignatures
{
    /// <summary>
    /// The store API on a group: failed authentications counted around the acquirer's signature check, then the
    /// connection's request rate, once it is known.
    /// </summary>
    public static RouteGroupBuilder RequireStoreSignature(this RouteGroupBuilder group) =>
        group.LimitAuthenticationFailures()
            .AddEndpointFilter<AcquirerSignatureFilter>()
            .LimitPerCaller("store", limits => limits.StoreRequestsPerSecond);
}
