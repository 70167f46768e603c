using Tunai.Gateway.Admin;

namespace Tunai.Gateway.Snap;

/// <summary>
/// SNAP routes: each service at the provider's SDK path and at Bank Indonesia's path, one handler for both (the
/// SDK's paths are what its unchanged clients call once pointed at Tunai's base URL).
/// </summary>
public static class SnapEndpoints
{
    public const string SdkVa = "/virtual-accounts/bi-snap-va/v1.1/transfer-va";

    public static IServiceCollection AddSnap(this IServiceCollection services) =>
        services.AddSingleton<SnapAuthentication.TransactionFilter>()
            .AddSingleton<SnapGatewayKey>()
            .AddSingleton<SnapOutbound>();

    public static IEndpointRouteBuilder MapSnap(this IEndpointRouteBuilder app)
    {
        // Tunai's public key, which merchants speaking SNAP verify Tunai's token requests with: public, so no authentication.
        app.MapGet("/snap/public-key", SnapGatewayKey.PublicKey);
        app.MapGroup("/admin/v1/snap").RequireAdminToken().MapPost("/gateway-keys", SnapGatewayKey.Rotate);

        var token = app.MapGroup("").LimitSnapAuthenticationFailures();
        Service(token.MapPost("/authorization/v1/access-token/b2b", SnapAuthentication.IssueToken), SnapService.Token);
        Service(token.MapPost("/v1.0/access-token/b2b", SnapAuthentication.IssueToken), SnapService.Token);

        var va = app.MapGroup("")
            .LimitSnapAuthenticationFailures()
            .AddEndpointFilter<SnapAuthentication.TransactionFilter>();
        Service(va.MapPost($"{SdkVa}/create-va", SnapVirtualAccounts.Create), SnapService.Create);
        Service(va.MapPost("/v1.0/transfer-va/create-va", SnapVirtualAccounts.Create), SnapService.Create);
        foreach (var path in new[] { $"{SdkVa}/update-va", "/v1.0/transfer-va/update-va" })
        {
            Service(va.MapMethods(path, [HttpMethods.Put, HttpMethods.Post], SnapVirtualAccounts.Update), SnapService.Update);
        }
        foreach (var path in new[] { $"{SdkVa}/delete-va", "/v1.0/transfer-va/delete-va" })
        {
            Service(va.MapMethods(path, [HttpMethods.Delete, HttpMethods.Post], SnapVirtualAccounts.Delete), SnapService.Delete);
        }
        Service(va.MapPost("/orders/v1.0/transfer-va/status", SnapVirtualAccounts.Status), SnapService.Status);
        Service(va.MapPost("/v1.0/transfer-va/status", SnapVirtualAccounts.Status), SnapService.Status);
        return app;
    }

    /// <summary>The service code of a route: in its answers' responseCode, its failures' too (see <c>Api/UnexpectedErrors</c>).</summary>
    private static void Service(RouteHandlerBuilder route, string code) => route.WithMetadata(new SnapServiceCode(code));
}
