using Tunai.Gateway.Api;
using Tunai.Gateway.Merchants;

namespace Tunai.Gateway.Idempotency;

/// <summary>
/// Runs after <see cref="MerchantSignatureFilter"/>: the same Request-Id with the same request replays the
/// first response as 409 with Tunai-Replayed: true; with another request it is 422; while the first is
/// still being served it is 409 with an error.
/// </summary>
public sealed class IdempotencyFilter(RequestKeys keys) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var request = http.Features.Get<MerchantRequest>()
            ?? throw new InvalidOperationException("IdempotencyFilter needs MerchantSignatureFilter before it");
        var hash = RequestKeys.Hash(http.Request.Method, request.Target, request.Body);

        switch (await keys.ClaimAsync(request.Merchant.Id, request.RequestId, hash, http.RequestAborted))
        {
            case ClaimOutcome.Replay replay:
                return new JsonBytesResult(StatusCodes.Status409Conflict, replay.Body, replayed: true);
            case ClaimOutcome.DifferentRequest:
                return new ApiError(StatusCodes.Status422UnprocessableEntity, "request_id_reused",
                    "This Request-Id was already used for a different request; use a new Request-Id", "Request-Id");
            case ClaimOutcome.InFlight:
                return ApiError.Conflict("request_in_progress",
                    "A request with this Request-Id is still being processed; retry later with the same Request-Id");
            case ClaimOutcome.Claimed claimed:
                http.Features.Set(claimed.Claim);
                object? result;
                try
                {
                    result = await next(context);
                }
                catch
                {
                    // Failed, or its transaction never committed: nothing was done, so it may be sent again.
                    await keys.ReleaseAsync(claimed.Claim);
                    throw;
                }
                if (!(claimed.Claim.Completed && result is JsonBytesResult { Status: >= 200 and < 300 }))
                {
                    // Refused (a 4xx): forgotten, so the merchant can correct it and send it again. (A completion
                    // whose transaction was rolled back and retried into a refusal is released here too.)
                    await keys.ReleaseAsync(claimed.Claim);
                }
                return result;
            default:
                throw new InvalidOperationException("unreachable");
        }
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
