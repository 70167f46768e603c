using Tunai.Signing;

namespace Tunai.Merchant.Snap;

/// <summary>What a SNAP request is and what its signature covers, set by <see cref="TunaiSnapClient"/> on each request.</summary>
/// <param name="SignedPath">The service path SNAP signs (relative to the base URL, with any query string).</param>
/// <param name="AccessToken">The Bearer token of a transaction; null for the token request itself.</param>
internal sealed record SnapCall(string SignedPath, string? AccessToken)
{
    public static readonly HttpRequestOptionsKey<SnapCall> Key = new("Tunai.Snap.Call");
}

/// <summary>
/// Signs each attempt of a SNAP request with a fresh X-TIMESTAMP: the token request with the merchant's RSA key over
/// <c>clientId|timestamp</c>, a transaction with HMAC-SHA512 over method, path, token, body hash and timestamp
/// (<see cref="SnapSignature"/>). It sits inside the retry loop, so a retry keeps its X-EXTERNAL-ID and body but is
/// signed again (the gateway refuses a stale timestamp). Requests without a <see cref="SnapCall"/> pass unsigned.
/// </summary>
/// <param name="options">The merchant's credentials and private key.</param>
/// <param name="time">The clock of X-TIMESTAMP; the system's by default.</param>
public sealed class TunaiSnapSigningHandler(TunaiSnapOptions options, TimeProvider? time = null) : DelegatingHandler
{
    private static readonly TimeSpan Wib = TimeSpan.FromHours(7);
    private readonly TunaiSnapOptions _options = options ?? throw new ArgumentNullException(nameof(options));
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Options.TryGetValue(SnapCall.Key, out var call))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        // WIB with its offset, as the provider's SDK writes it in Jakarta.
        var timestamp = SnapSignature.FormatTimestamp(_time.GetUtcNow().ToOffset(Wib));
        string signature;
        if (call.AccessToken is null)
        {
            using var key = TunaiSnapOptions.Import(_options.PrivateKeyPem());
            signature = SnapSignature.SignToken(key, _options.ClientId, timestamp);
        }
        else
        {
            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            (_, signature) = SnapSignature.SignTransaction(_options.SecretKey, request.Method.Method, call.SignedPath, call.AccessToken, body, timestamp);
        }
        request.Headers.Remove(SnapHeaders.Timestamp);
        request.Headers.Remove(SnapHeaders.Signature);
        request.Headers.TryAddWithoutValidation(SnapHeaders.Timestamp, timestamp);
        request.Headers.TryAddWithoutValidation(SnapHeaders.Signature, signature);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
