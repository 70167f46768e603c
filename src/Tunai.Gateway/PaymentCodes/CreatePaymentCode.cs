using Microsoft.AspNetCore.Http.Features;
using Tunai.Gateway.Api;
using Tunai.Gateway.Configuration;
using Tunai.Gateway.Idempotency;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Storage;
using Tunai.Gateway.Telemetry;

namespace Tunai.Gateway.PaymentCodes;

/// <summary>
/// A merchant creates a payment code: its own (MGPC) or one Tunai draws under the merchant's prefix (DGPC). A live
/// code holds its invoice number until it is paid, cancelled or expires.
/// </summary>
public static class CreatePaymentCode
{
    public static async Task<IResult> HandleAsync(HttpContext http, Database database, TunaiOptions options, TimeProvider time)
    {
        var request = http.Features.GetRequiredFeature<MerchantRequest>();
        var key = http.Features.GetRequiredFeature<RequestKey>();
        var merchant = request.Merchant;
        if (RequestBody.ParseObject(request.Body!, out var document) is { } malformed)
        {
            return malformed;
        }
        using (document)
        {
            var (command, error) = PaymentCodeRequests.ParseCreate(document!.RootElement, merchant, options);
            if (error is not null)
            {
                return error;
            }
            var c = command!;
            var now = time.GetUtcNow();
            var createdAt = now.ToUnixTimeMilliseconds();
            var code = PaymentCodeOperations.NewCode(merchant, c, request.RequestId, createdAt, createdAt + c.ExpiredMinutes * 60_000L);

            var baseUrl = PaymentCodeEndpoints.PublicBaseUrl(http, options);
            string? created = null;
            var result = await database.WriteAsync<IResult>(async unit =>
            {
                created = null;
                if (await key.ClaimAsync(unit) is { } answered)
                {
                    return answered;
                }
                var (stored, refused) = await PaymentCodeOperations.CreateAsync(unit, options, merchant, c, code);
                if (refused is not null)
                {
                    return refused;
                }

                var body = WireJson.Serialize(new CreateResponse(
                    new OrderRef(stored!.InvoiceNumber),
                    new CreatedCodeInfo(
                        stored.Code,
                        $"{baseUrl}/how-to-pay/v2/alfa-online-to-offline/{stored.Code}/{stored.HowToPayToken}",
                        $"{baseUrl}/alfa-online-to-offline/v2/how-to-pay-api/{stored.Code}/{stored.HowToPayToken}",
                        WireDates.Wib14(stored.Created), WireDates.Wib14(stored.Expires),
                        WireDates.Utc(stored.Created), WireDates.Utc(stored.Expires)),
                    c.AdditionalInfo));
                await key.CompleteAsync(unit, StatusCodes.Status200OK, body);
                unit.Commit();
                created = stored.Code;
                return new JsonBytesResult(StatusCodes.Status200OK, body);
            }, http.RequestAborted);
            if (created is not null)
            {
                http.RequestServices.GetRequiredService<GatewayTelemetry>().CodeCreated(merchant.ClientId, created);
            }
            return result;
        }
    }
}
