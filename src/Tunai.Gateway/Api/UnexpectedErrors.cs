using Microsoft.AspNetCore.Diagnostics;
using Tunai.Gateway.Snap;

namespace Tunai.Gateway.Api;

/// <summary>
/// The one place an exception becomes an answer, in the shape of the API that was called: <c>{"error": ...}</c>
/// for the merchant, store and admin APIs (signed when the caller was known), <c>responseCode</c> for SNAP. A
/// database that cannot be used now (<see cref="DatabaseOutage"/>) is 503 with <c>Retry-After</c>; anything else
/// is a 500 that never shows a stack trace.
/// </summary>
public static class UnexpectedErrors
{
    public static IApplicationBuilder UseUnexpectedErrors(this IApplicationBuilder app) =>
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = AnswerAsync,
            // An outage fails every request for as long as it lasts: it is logged here as one warning line each, not
            // as an error with a stack trace per request; every other failure keeps the middleware's full entry.
            SuppressDiagnosticsCallback = context => context.Exception is { } e && DatabaseOutage.Reason(e) is not null,
        });

    private static Task AnswerAsync(HttpContext http)
    {
        var feature = http.Features.Get<IExceptionHandlerFeature>();
        var failure = feature?.Error;
        var snapService = feature?.Endpoint?.Metadata.GetMetadata<SnapServiceCode>()?.Code;
        if (failure is BadHttpRequestException bad)
        {
            return new ApiError(bad.StatusCode, "bad_request", "The request could not be read").ExecuteAsync(http);
        }
        if (failure is not null && http.RequestServices.GetRequiredService<Database>().Outage(failure) is { } reason)
        {
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(UnexpectedErrors))
                .LogWarning("Database unavailable on {Method} {Path}: {Failure}", http.Request.Method, http.Request.Path, failure.Message);
            http.Response.Headers.RetryAfter = ((int)DatabaseOutage.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            var message = $"{reason}; try again after {http.Response.Headers.RetryAfter} s (the same Request-Id or trx_id is safe to send again)";
            return snapService is not null
                ? SnapResult.Of($"503{snapService}00", "Service Unavailable. " + message).ExecuteAsync(http)
                : new ApiError(StatusCodes.Status503ServiceUnavailable, "database_unavailable", message).ExecuteAsync(http);
        }
        return snapService is not null
            ? SnapResult.Of($"500{snapService}01", "Internal Server Error").ExecuteAsync(http)
            : new ApiError(StatusCodes.Status500InternalServerError, "internal_error",
                "The gateway failed to process the request; it is safe to retry with the same Request-Id").ExecuteAsync(http);
    }
}
