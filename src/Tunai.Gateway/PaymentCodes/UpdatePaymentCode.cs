using Microsoft.AspNetCore.Http.Features;
using Tunai.Gateway.Idempotency;
using Tunai.Gateway.Merchants;

namespace Tunai.Gateway.PaymentCodes;

/// <summary>
/// A merchant changes a code that is neither paid nor cancelled (amount, expiry, texts, additional_info), or cancels
/// it (<see cref="CancelPaymentCode"/>, the back office's cancel too).
/// </summary>
public static class UpdatePaymentCode
{
    public static Task<IResult> HandleAsync(HttpContext http, Database database, TunaiOptions options, TimeProvider time)
    {
        var request = http.Features.GetRequiredFeature<MerchantRequest>();
        var key = http.Features.GetRequiredFeature<RequestKey>();
        return RequestBody.WithCommandAsync(request.Body!, root => PaymentCodeRequests.ParseUpdate(root, request.Merchant, options), async u =>
        {
            var now = time.GetUtcNow();
            var nowMs = now.ToUnixTimeMilliseconds();

            return await database.WriteAsync<IResult>(async unit =>
            {
                if (await key.ClaimAsync(unit) is { } answered)
                {
                    return answered;
                }
                var (changed, refused) = await PaymentCodeOperations.UpdateAsync(unit, request.Merchant, u,
                    u.ExpiredMinutes is { } minutes ? nowMs + minutes * 60_000L : null, now);
                if (refused is not null)
                {
                    return refused;
                }

                var body = WireJson.Serialize(new UpdateResponse(
                    new OrderRef(changed!.InvoiceNumber),
                    new UpdatedCodeInfo(changed.Code,
                        WireDates.Wib14(changed.Created), WireDates.Wib14(changed.Expires),
                        WireDates.Utc(changed.Created), WireDates.Utc(changed.Expires))));
                await key.CompleteAsync(unit, StatusCodes.Status200OK, body);
                unit.Commit();
                return new JsonBytesResult(StatusCodes.Status200OK, body);
            }, http.RequestAborted);
        });
    }
}
