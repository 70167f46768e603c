using Microsoft.AspNetCore.Authentication;
using Tunai.Gateway.BackOffice.Components;

namespace Tunai.Gateway.BackOffice;

/// <summary>The back office at /backoffice: Razor components rendered on the server, forms posting back.</summary>
public static class BackOfficeSetup
{
    public static IServiceCollection AddBackOffice(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddAuthentication(SessionAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, SessionAuthentication>(SessionAuthentication.SchemeName, null);
        services.AddAuthorization();
        // The antiforgery cookie follows the request's scheme: a gateway behind a proxy that ends TLS sees plain HTTP,
        // and Always would refuse every form there. What must be Secure is the session cookie, and it is.
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "tunai_bo_af";
            o.Cookie.Path = "/backoffice";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        // Antiforgery tokens are protected by the gateway's one Data Protection key ring (Secrets/SecretBox: kept in the
        // database, so shared by every instance), so a form served by one instance posts to another.
        services.AddHttpClient(PaymentSimulator.HttpClientName);
        services.AddSingleton<PaymentSimulator>();
        services.AddSingleton<PasswordHashes>();
        services.AddSingleton<SignInGuard>();
        return services;
    }

    public static WebApplication MapBackOffice(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<TunaiOptions>();
        app.Use(async (http, next) =>
        {
            // The sandbox's tools do not exist outside sandbox mode: 404 before anything else, signed in or not.
            if (!options.IsSandbox && http.Request.Path.StartsWithSegments("/backoffice/sandbox"))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await next(http);
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.Use(async (http, next) =>
        {
            if (http.Request.Path.StartsWithSegments("/backoffice"))
            {
                var headers = http.Response.Headers;
                // As antiforgery sets it on every page with a form (it warns when it finds another value).
                headers.CacheControl = "no-cache, no-store";
                headers.Pragma = "no-cache";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "same-origin";
                headers.ContentSecurityPolicy =
                    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
            }
            await next(http);
        });
        app.MapGet("/backoffice/app.css", () => Results.Text(BackOfficeAssets.Css, "text/css; charset=utf-8"));
        app.MapGet("/backoffice/language/{language}", IResult (string language, string? back, HttpContext http) =>
        {
            // The page to return to goes into a Location header: a line break or a non-ASCII character there is no
            // back-office address, and would make the header invalid (a 500) rather than a redirect.
            if (back is not null && back.Any(c => c is < '!' or > '~'))
            {
                return new Api.ApiError(StatusCodes.Status400BadRequest, "invalid_field", "back must be a back-office path in printable ASCII", "back");
            }
            http.Response.Cookies.Append(Language.CookieName, language == "id" ? "id" : "en",
                new CookieOptions { Path = "/backoffice", SameSite = SameSiteMode.Lax, HttpOnly = true, MaxAge = TimeSpan.FromDays(365) });
            return Results.LocalRedirect(back is not null && back.StartsWith("/backoffice", StringComparison.Ordinal) ? back : "/backoffice");
        });
        // A file is not a page: the payout CSV is the admin API's own file, for the batches this user may read.
        app.MapGet("/backoffice/settlements/{id}/payout.csv", async (string id, HttpContext http, Database database) =>
        {
            var scope = Actor.From(http.User)!.Scope;
            await using var c = await database.OpenAsync(http.RequestAborted);
            if (await Settlement.Settlements.FindAsync(c, id, scope: scope) is not { } batch)
            {
                return Results.NotFound();
            }
            var csv = Settlement.Settlements.PayoutCsv(batch, await Settlement.Settlements.LinesAsync(c, batch));
            return Results.Bytes(System.Text.Encoding.UTF8.GetBytes(csv), "text/csv; charset=utf-8", $"{batch.BatchId}.csv");
        }).RequireAuthorization();
        app.MapBackOfficeCsv();
        app.MapRazorComponents<App>();
        return app;
    }
}
