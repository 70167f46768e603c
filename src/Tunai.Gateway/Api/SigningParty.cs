namespace Tunai.Gateway.Api;

/// <summary>
/// What signs its requests to the gateway, a merchant or an acquirer: its credentials, the rule of two keys while
/// one is being rotated, and whether it is disabled.
/// </summary>
public abstract record SigningParty
{
    public long Id { get; init; }
    public required string ClientId { get; init; }
    public required string Name { get; init; }
    public required string SecretKey { get; init; }
    public long CreatedAt { get; init; }

    /// <summary>The key before the last rotation; it verifies until <see cref="PreviousKeyExpiresAt"/>.</summary>
    public string? PreviousSecretKey { get; init; }
    public long? PreviousKeyExpiresAt { get; init; }
    public long? DisabledAt { get; init; }

    public bool IsDisabled => DisabledAt is not null;

    /// <summary>The keys a request from this party (or a merchant's answer to a direct inquiry) may be signed with at <paramref name="now"/>.</summary>
    public IReadOnlyList<string> VerifyingKeys(DateTimeOffset now) =>
        PreviousSecretKey is not null && now.ToUnixTimeMilliseconds() < PreviousKeyExpiresAt ? [SecretKey, PreviousSecretKey] : [SecretKey];
}

/// <summary>
/// Authenticates a signed request with the credentials of the party it names (<see cref="SignedRequests"/>), refuses
/// a disabled one, and lets the endpoint find the party as <see cref="Admit"/> puts it in the request's features.
/// </summary>
/// <param name="disabledCode">The error code refusing a disabled party (<c>merchant_disabled</c>).</param>
/// <param name="disabledMessage">What that refusal says.</param>
public abstract class SignatureFilter<T>(TunaiOptions options, TimeProvider time, string disabledCode, string disabledMessage) : IEndpointFilter
    where T : SigningParty
{
    protected abstract ValueTask<T?> FindAsync(string clientId, CancellationToken ct);

    protected abstract void Admit(HttpContext http, SignedCaller caller, T party);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var (caller, party, error) = await SignedRequests.VerifyAsync<T>(http, options, time, async clientId =>
            await FindAsync(clientId, http.RequestAborted) is { } p ? (p.VerifyingKeys(time.GetUtcNow()), p) : null);
        if (error is not null)
        {
            return error;
        }
        if (party!.IsDisabled)
        {
            return ApiError.Unauthorized(disabledCode, disabledMessage, Tunai.Signing.SignatureHeaders.ClientId);
        }
        Admit(http, caller!, party);
        return await next(context);
    }
}
