using Tunai.Gateway.Admin;
using Tunai.Gateway.Idempotency;
using Tunai.Gateway.Merchants;

namespace Tunai.Gateway.PaymentCodes;

/// <summary>
/// The merchant's payment-code API and the admin list, one file per operation (<see cref="CreatePaymentCode"/>,
/// <see cref="UpdatePaymentCode"/>, <see cref="ListPaymentCodes"/>); cancelling is <see cref="CancelPaymentCode"/>,
/// which the back office calls too.
/// </summary>
public static class PaymentCodeEndpoints
{
    public static IEndpointRouteBuilder MapPaymentCodes(this IEndpointRouteBuilder app)
    {
        var merchantApi = app.MapGroup("")
            .RequireMerchantSignature()
            .AddEndpointFilter<IdempotencyFilter>()
            .AddEndpointFilter<RetryTransientFailures>();
        // The reference names the first path; the provider's plugins and older docs use the second.
        merchantApi.MapPost("/alfa-virtual-account/v2/payment-code", CreatePaymentCode.HandleAsync);
        merchantApi.MapPost("/alfa-online-to-offline/v2/payment-code", CreatePaymentCode.HandleAsync);
        merchantApi.MapPatch("/alfa-online-to-offline/v2/payment-code", UpdatePaymentCode.HandleAsync);

        app.MapGroup("/admin/v1/payment-codes").RequireAdminToken().MapGet("", ListPaymentCodes.HandleAsync);
        return app;
    }

    public static string PublicBaseUrl(HttpContext http, TunaiOptions options) =>
        string.IsNullOrWhiteSpace(options.PublicBaseUrl)
            ? $"{http.Request.Scheme}://{http.Request.Host}"
            : options.PublicBaseUrl.TrimEnd('/');
}
