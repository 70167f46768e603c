using Tunai.Signing;

namespace Tunai.Gateway.Telemetry;

/// <summary>
/// Puts who a request is from on every log line written while it runs: the Client-Id it presents (a merchant's or
/// a store's) and the invoice number its route names. The trace and span ids come from the logging's own activity
/// tracking. With <c>Logging:Console:FormatterName=json</c> and <c>Logging:Console:FormatterOptions:IncludeScopes=true</c>
/// they are fields of each JSON line.
/// </summary>
public static class LogScopes
{
    /// <summary>A Client-Id is a short identifier; a longer header is cut rather than copied into every line.</summary>
    private const int MaxClientId = 64;

    public static IApplicationBuilder UseLogScopes(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Tunai.Gateway.Requests");
        return app.Use(async (http, next) =>
        {
            var clientId = http.Request.Headers[SignatureHeaders.ClientId].ToString();
            var invoice = http.GetRouteValue("invoice_number") as string;
            if (clientId.Length == 0 && invoice is null)
            {
                await next(http);
                return;
            }
            var scope = new Dictionary<string, object?>(2);
            if (clientId.Length > 0)
            {
                scope["ClientId"] = clientId.Length > MaxClientId ? clientId[..MaxClientId] : clientId;
            }
            if (invoice is not null)
            {
                scope["InvoiceNumber"] = invoice;
            }
            // Scopes are shared by every logger of the factory: the features' own loggers write under this one.
            using (logger.BeginScope(scope))
            {
                await next(http);
            }
        });
    }
}
