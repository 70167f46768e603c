using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Tunai.Gateway.Abuse;
using Tunai.Gateway.Admin;

namespace Tunai.Gateway.Telemetry;

/// <summary>Under <c>Tunai:Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Tunai:Telemetry";

    /// <summary>Traces and metrics are collected (and exported where configured). Off: no OpenTelemetry at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Serve Prometheus' text format at <c>/metrics</c>, behind the admin token. Off by default: OTLP (set the
    /// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) is the usual way out.
    /// </summary>
    public bool Prometheus { get; set; }

    /// <summary>
    /// With <see cref="Prometheus"/>: serve <c>/metrics</c> on this port instead (on the host of the gateway's first
    /// address), without the admin token (a scraper holds no secret, and the admin token would otherwise sit in every
    /// Prometheus configuration), and not at all on the API's port. Keep the port off the public network, as one does
    /// any exporter's. 0 takes any free port: the one bound is logged at start (<see cref="MetricsPort"/>).
    /// </summary>
    public int? PrometheusPort { get; set; }

    /// <summary>The rules a start refuses to run without (the options are read before the container is built).</summary>
    public IEnumerable<string> Failures()
    {
        if (PrometheusPort is { } port)
        {
            if (port is < 0 or > 65535)
            {
                yield return $"Tunai:Telemetry:PrometheusPort must be a TCP port (1-65535, or 0 for any free one), not {port}";
            }
            if (!Prometheus || !Enabled)
            {
                yield return "Tunai:Telemetry:PrometheusPort needs Tunai:Telemetry:Prometheus=true (and telemetry enabled)";
            }
        }
    }
}

/// <summary>
/// OpenTelemetry as the ecosystem wires it: ASP.NET Core and HttpClient instrumentations, the database's
/// (<see cref="StorageTelemetry"/>), the gateway's own meters, OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, Prometheus when asked for.
/// </summary>
public static class TelemetrySetup
{
    public static IServiceCollection AddTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var options = ReadOptions(configuration);
        services.AddSingleton(options);
        services.AddSingleton<MetricsPort>();
        services.AddSingleton<GatewayTelemetry>();
        if (!options.Enabled)
        {
            return services;
        }
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("tunai-gateway"))
            .WithTracing(tracing =>
            {
                tracing.AddSource(GatewayTelemetry.Name)
                    .AddAspNetCoreInstrumentation(o =>
                    {
                        // Probes and scrapes every few seconds would drown the requests that matter.
                        o.Filter = http => !IsOperational(http.Request.Path);
                        // The raw path can hold a how-to-pay page's token and a whole payment code; the route template
                        // says which endpoint it was without either.
                        o.EnrichWithHttpResponse = (activity, response) =>
                            activity.SetTag("url.path", (response.HttpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched");
                    })
                    .AddHttpClientInstrumentation()
                    .AddStorageInstrumentation();
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                // ASP.NET Core's own meters come with it: request durations, Kestrel, and rate-limiting rejections
                // (aspnetcore.rate_limiting.requests by result). The runtime's own meter too: garbage collections and
                // their pauses, heap size, thread pool queue, what a request's tail can follow besides storage.
                metrics.AddMeter(GatewayTelemetry.Name, "System.Runtime")
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddStorageInstrumentation();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
                if (options.Prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
            });
        return services;
    }

    /// <summary>
    /// Adds the Prometheus port to the addresses the gateway listens on (after <c>--urls</c>, <c>ASPNETCORE_URLS</c> or
    /// the default, which Kestrel would drop if a port were added with <c>Listen</c> in code), on the host of the
    /// first of them: a gateway on loopback only (a sandbox) keeps its metrics on loopback too.
    /// </summary>
    public static WebApplicationBuilder ListenForPrometheus(this WebApplicationBuilder builder)
    {
        if (ReadOptions(builder.Configuration).PrometheusPort is { } port)
        {
            var urls = builder.Configuration[WebHostDefaults.ServerUrlsKey] ?? "";
            var first = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
            var host = first is null ? "*" : BindingAddress.Parse(first).Host;
            builder.WebHost.UseUrls($"{urls};http://{host}:{port}".TrimStart(';'));
        }
        return builder;
    }

    private static TelemetryOptions ReadOptions(IConfiguration configuration)
    {
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var failures = options.Failures().ToList();
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(TelemetryOptions.Section, typeof(TelemetryOptions), failures);
        }
        return options;
    }

    public static IEndpointRouteBuilder MapTelemetry(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<TelemetryOptions>();
        if (options is { Enabled: true, Prometheus: true, PrometheusPort: not null })
        {
            var port = app.ServiceProvider.GetRequiredService<MetricsPort>();
            app.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted
                .Register(() => port.Bound(app.ServiceProvider.GetRequiredService<IServer>()));
            // Only a connection to the metrics port gets the metrics; on the API's port /metrics is a 404. The socket's
            // port decides, not the Host header (RequireHost), which any caller of the API's port could set to ":9464".
            app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, optionsName: null,
                configureBranchedPipeline: metrics => metrics.Use((http, next) =>
                {
                    if (http.Connection.LocalPort != port.Port)
                    {
                        http.Response.StatusCode = StatusCodes.Status404NotFound;
                        return Task.CompletedTask;
                    }
                    return next(http);
                }));
        }
        else if (options is { Enabled: true, Prometheus: true })
        {
            app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, optionsName: null,
                configureBranchedPipeline: metrics => metrics.Use(async (http, next) =>
                {
                    if (!http.HasAdminToken())
                    {
                        // A wrong token here is a guess like one at the admin API, counted in the same budgets.
                        var failures = http.RequestServices.GetRequiredService<AuthenticationFailures>();
                        if (failures.Record(http, null, "invalid_admin_token") is { } retryAfter)
                        {
                            await RateLimits.TooManyFailures(http, retryAfter).ExecuteAsync(http);
                            return;
                        }
                        http.Response.Headers.WWWAuthenticate = "Bearer";
                        await ApiError.Unauthorized("invalid_admin_token", "/metrics needs Authorization: Bearer <admin token>").ExecuteAsync(http);
                        return;
                    }
                    await next(http);
                }));
        }
        return app;
    }

    private static bool IsOperational(PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics");
}

/// <summary>
/// The port <c>/metrics</c> is served on when it has one of its own: the configured port, or, configured as 0, the
/// one the system gave, known once the server has started (until then no connection is taken for a scrape).
/// </summary>
public sealed class MetricsPort(TelemetryOptions options, ILogger<MetricsPort> logger)
{
    // 0 until the server has started; read by every scrape's connection.
    private volatile int _bound;

    /// <summary>The metrics port, or null while it is not known (or not configured).</summary>
    public int? Port => options.PrometheusPort is > 0 and var configured ? configured : _bound > 0 ? _bound : null;

    /// <summary>
    /// Reads the port back once the server has bound its addresses. <see cref="TelemetrySetup.ListenForPrometheus"/>
    /// adds the metrics address after every other, and Kestrel binds and reports addresses in the order given, so
    /// the metrics port is the last address's.
    /// </summary>
    public void Bound(IServer server)
    {
        if (options.PrometheusPort == 0 && server.Features.Get<IServerAddressesFeature>()?.Addresses.LastOrDefault() is { } address)
        {
            _bound = BindingAddress.Parse(address).Port;
        }
        logger.LogInformation("Prometheus metrics on port {Port} (/metrics)", Port);
    }
}
