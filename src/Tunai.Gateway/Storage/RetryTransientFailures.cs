namespace Tunai.Gateway.Storage;

/// <summary>
/// Runs the endpoint again when the database failed in a way the same work may not meet again (deadlock,
/// serialization failure, lost connection, busy file). Each endpoint's work is one transaction that was rolled
/// back, and its request is read from features, not the consumed body, so running it again is safe; the caller
/// sees an answer instead of a 500. Put it last on a group so it wraps the handler alone.
/// </summary>
/// <remarks>
/// A wait that ran out (a statement or a connection timed out) is not run again: it would wait as long again, and
/// the caller would wait for all the attempts together. It is answered 503 at once (<see cref="DatabaseOutage"/>).
/// Before another attempt a lost PostgreSQL connection empties the pool (<see cref="Database.Outage"/>), so the
/// attempt gets a fresh connection, not the next one the stopped server broke.
/// </remarks>
public sealed class RetryTransientFailures(Database database, ILogger<RetryTransientFailures> logger) : IEndpointFilter
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
            catch (Exception e) when (attempt < Attempts && Database.IsTransient(e) && !DatabaseOutage.IsTimeout(e)
                && !context.HttpContext.RequestAborted.IsCancellationRequested)
            {
                database.Outage(e);
                logger.LogWarning("Transient database failure on {Path}, attempt {Attempt}: {Message}", context.HttpContext.Request.Path, attempt, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(20 * attempt * attempt), context.HttpContext.RequestAborted);
            }
        }
    }
}
