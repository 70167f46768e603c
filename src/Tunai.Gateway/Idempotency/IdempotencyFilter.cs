using Tunai.Gateway.Merchants;

namespace Tunai.Gateway.Idempotency;

/// <summary>
/// Runs after <see cref="MerchantSignatureFilter"/> and gives the endpoint its <see cref="RequestKey"/>, which the
/// endpoint claims inside its unit of writes: the same Request-Id with the same request replays the first
/// response as 409 with Tunai-Replayed: true; with another request it is 422.
/// </summary>
public sealed class IdempotencyFilter(RequestKeys keys) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var request = http.Features.Get<MerchantRequest>()
            ?? throw new InvalidOperationException("IdempotencyFilter needs MerchantSignatureFilter before it");
        var key = keys.For(request.Merchant.Id, request.RequestId, RequestKeys.Hash(http.Request.Method, request.Target, request.Body));
        http.Features.Set(key);
        var result = await next(context);
        if (!key.Asked && result is JsonBytesResult { Status: >= 200 and < 300 })
        {
            throw new InvalidOperationException($"{http.Request.Path} answered without claiming its Request-Id");
        }
        return result;
    }
}

public sealed class IdempotencyKeySweeper(RequestKeys keys, TimeProvider time, ILogger<IdempotencyKeySweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(10), time);
        do
        {
            try
            {
                var deleted = await keys.DeleteExpiredAsync(stoppingToken);
                if (deleted > 0)
                {
                    logger.LogInformation("Deleted {Count} expired Request-Ids", deleted);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Sweeping expired Request-Ids failed; will try again");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
