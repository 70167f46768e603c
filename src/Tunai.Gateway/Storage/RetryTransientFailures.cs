namespace Tunai.Gateway.Storage;

/// <summary>
/// Runs the endpoint again when the database failed in a way the same work may not meet again (deadlock,
/// serialization failure, lost connection, busy file). Each endpoint's work is one transaction that was rolled
/// back, and its request is read from features, not the consumed body, so running it again is safe; the caller
/// sees an answer instead of a 500. Put it last on a group so it wraps the handler alone.
/// </summary>
public sealed class RetryTransientFailures(ILogger<RetryTransientFailures> logger) : IEndpointFilter
{
    private const int Attempts = 4;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await next(context);
            }
            catch (Exception e) when (attempt < Attempts && Database.IsTransient(e) && !context.HttpContext.RequestAborted.IsCancellationRequested)
            {
                logger.LogWarning("Transient database failure on {Path}, attempt {Attempt}: {Message}", context.HttpContext.Request.Path, attempt, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(20 * attempt * attempt), context.HttpContext.RequestAborted);
            }
        }
    }
}
