using Tunai.Signing;

namespace Tunai.Merchant;

/// <summary>
/// Signs each attempt of a request: Client-Id, Request-Timestamp (now) and Signature over the exact body
/// bytes. It sits inside the retry loop, so a retried request keeps its Request-Id and body but gets a fresh
/// timestamp and signature (the gateway refuses a stale timestamp). A request without a Request-Id gets one.
/// </summary>
public sealed class TunaiSigningHandler : DelegatingHandler
{
    private readonly string _clientId;
    private readonly string _secretKey;
    private readonly TimeProvider _time;

    /// <summary>Creates the handler for a merchant's credentials.</summary>
    public TunaiSigningHandler(TunaiMerchantOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _clientId = options.ClientId;
        _secretKey = options.SecretKey;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no URI");
        if (!request.Headers.TryGetValues(SignatureHeaders.RequestId, out var ids) || ids.FirstOrDefault() is not { Length: > 0 } requestId)
        {
            requestId = Guid.NewGuid().ToString();
            request.Headers.Remove(SignatureHeaders.RequestId);
            request.Headers.TryAddWithoutValidation(SignatureHeaders.RequestId, requestId);
        }
        // null content = no body = no Digest line; the bytes of ByteArrayContent are the same on every attempt.
        byte[]? body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        // Request-Target: the path as it goes on the wire (an invoice number with a space is signed as %20).
        var signed = SignedEnvelope.SignRequest(_clientId, _secretKey, requestId, _time.GetUtcNow(), RequestTarget.Of(uri), body);
        request.Headers.Remove(SignatureHeaders.ClientId);
        request.Headers.Remove(SignatureHeaders.RequestTimestamp);
        request.Headers.Remove(SignatureHeaders.Signature);
        foreach (var (name, value) in signed.ToList())
        {
            if (name != SignatureHeaders.RequestId)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
