using Microsoft.AspNetCore.Diagnostics;
using Tunai.Gateway.Abuse;
using Tunai.Gateway.Admin;
using Tunai.Gateway.Secrets;
using Tunai.Gateway.Startup;
using Tunai.Gateway.Snap;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Clock;
using Tunai.Gateway.DirectInquiry;
using Tunai.Gateway.Acquirers;
using Tunai.Gateway.Health;
using Tunai.Gateway.Store;
using Tunai.Gateway.HowToPay;
using Tunai.Gateway.Idempotency;
using Tunai.Gateway.Instances;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Ledger;
using Tunai.Gateway.Settlement;
using Tunai.Gateway.Reconciliation;
using Tunai.Gateway.Notifications;
using Tunai.Gateway.OpenApi;
using Tunai.Gateway.Outbound;
using Tunai.Gateway.OrderStatus;
using Tunai.Gateway.PaymentCodes;
using Tunai.Gateway.Telemetry;

namespace Tunai.Gateway;

/// <summary>The gateway's table of contents: its services and its routes. Tests build the same app.</summary>
public static class GatewayApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json ships next to the binary; relative paths (./data/) are the working directory's.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.UseDefaultUrl();
        builder.SayStartFailuresOnce();
        builder.ListenForPrometheus();
        builder.Services.AddTunaiOptions(builder.Configuration);
        builder.Services.AddSingleton<Database>();
        builder.Services.AddSingleton<MerchantCache>();
        builder.Services.AddSingleton<AcquirerCache>();
        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddSingleton<AdminToken>();
        builder.Services.AddSingleton<RequestKeys>();
        builder.Services.AddSingleton<MerchantSignatureFilter>();
        builder.Services.AddSingleton<IdempotencyFilter>();
        builder.Services.AddSingleton<AcquirerSignatureFilter>();
        builder.Services.AddSingleton<RetryTransientFailures>();
        builder.Services.AddRateLimits();
        builder.Services.AddSecrets(builder.Configuration);
        builder.Services.AddOutboundHttp();
        builder.Services.AddHttpClient<DirectInquiryClient>().UseOutboundHandler();
        builder.Services.AddSingleton<GatewayInstance>();
        builder.Services.AddSingleton<NotificationSignal>();
        builder.Services.AddSingleton<Outbox>();
        builder.Services.AddSingleton<NotificationAttempt>();
        builder.Services.AddSingleton<MerchantLimiter>();
        // The registry before the worker: it starts first (a previous life's leases are freed before the first
        // claim) and stops last (the worker gives its leases back first).
        builder.Services.AddHostedService<InstanceRegistry>();
        builder.Services.AddHostedService<NotificationWorker>();
        builder.Services.AddHostedService<IdempotencyKeySweeper>();
        builder.Services.AddHostedService<SettlementCloser>();
        builder.Services.AddHealth(builder.Configuration);
        builder.Services.AddTelemetry(builder.Configuration);
        builder.Services.AddLogLineEscaping();
        builder.Services.AddApiDocuments();
        builder.Services.AddBackOffice();
        builder.Services.AddSnap();
        configure?.Invoke(builder);
        // Last: the sandbox's test clock wraps whichever clock was registered (a test's fake one included).
        builder.Services.AddSandboxClock();

        var app = builder.Build();
        // ASP.NET Core's environment is Production unless told otherwise; a sandbox says what it is in its first lines
        // ("Hosting environment: Sandbox"), so nobody reading its log takes it for a production gateway.
        // The host's own IHostEnvironment (which writes that line) is another object than app.Environment.
        var hostEnvironment = app.Services.GetRequiredService<IHostEnvironment>();
        if (hostEnvironment.IsProduction() && app.Services.GetRequiredService<TunaiOptions>().IsSandbox)
        {
            hostEnvironment.EnvironmentName = "Sandbox";
            app.Environment.EnvironmentName = "Sandbox";
        }
        app.UseLogScopes();
        app.UseUnexpectedErrors();
        app.UseStatusCodePages(StatusWithoutBody);
        app.UseNulRefusal();
        app.MapMerchants();
        app.MapPaymentCodes();
        app.MapSnap();
        app.MapHowToPay();
        app.MapAcquirers();
        app.MapStore();
        app.MapNotifications();
        app.MapOrderStatus();
        app.MapLedger();
        app.MapSettlement();
        app.MapReconciliation();
        app.MapHealth();
        app.MapTelemetry();
        app.MapApiDocuments();
        app.MapBackOffice();
        app.MapSandboxClock();
        return app;
    }

    private static Task StatusWithoutBody(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        var error = status switch
        {
            StatusCodes.Status404NotFound => new ApiError(status, "not_found", $"No endpoint at {http.Request.Method} {http.Request.Path}"),
            StatusCodes.Status405MethodNotAllowed => new ApiError(status, "method_not_allowed", $"{http.Request.Method} is not allowed on {http.Request.Path}"),
            _ => new ApiError(status, "bad_request", "The request could not be processed"),
        };
        return error.ExecuteAsync(http);
    }
}
