using Microsoft.AspNetCore.Http.Features;
using Tunai.Gateway.Idempotency;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Telemetry;

namespace Tunai.Gateway.PaymentCodes;

/// <summary>
/// A merchant creates a payment code: its own (MGPC) or one Tunai draws under the merchant's prefix (DGPC). A live
/// code holds its invoice number until it is paid, cancelled or expires.
/// </summary>
public static class CreatePaymentCode
{
    public static Task<IResult> HandleAsync(HttpContext http, Database database, TunaiOptions options, TimeProvider time)
    {
        var request = http.Features.GetRequiredFeature<MerchantRequest>();
        var key = http.Features.GetRequiredFeature<RequestKey>();
        var merchant = request.Merchant;
        return RequestBody.WithCommandAsync(request.Body!, root => PaymentCodeRequests.ParseCreate(root, merchant, options), async c =>
        {
            var now = time.GetUtcNow();
            var createdAt = now.ToUnixTimeMilliseconds();
            var code = PaymentCodeOperations.NewCode(merchant, c, request.RequestId, createdAt, createdAt + c.ExpiredMinutes * 60_000L);

            var baseUrl = PaymentCodeEndpoints.PublicBaseUrl(http, options);
            var telemetry = http.RequestServices.GetRequiredService<GatewayTelemetry>();
            // The usual case, a code that conflicts with none and asks for no settlement checks, is written at once: the
            // code, its fee and the stored answer, made before anything is written (Database.TryWriteTogetherAsync: one
            // round trip where units run side by side, only the inserts on the writer where a unit runs alone). Any
            // conflict, the Request-Id's included, writes nothing, and the request
            // takes the general path below, which tells which it was.
            if (c.Settlement is null && c.AccountId is null)
            {
                var candidate = c.PaymentCode is null
                    ? code with { Code = CodeGenerator.Generate(merchant.CodePrefix, options.PaymentCodes.GeneratedLength) }
                    : code;
                var answer = Answer(candidate, baseUrl, c);
                var writes = PaymentCodeStore.InsertTogether(candidate);
                writes.Then(0, key.AnswerAtOnce(StatusCodes.Status200OK, answer));
                try
                {
                    if (await database.TryWriteTogetherAsync(writes, http.RequestAborted) is not null)
                    {
                        telemetry.CodeCreated(merchant.ClientId, candidate.Code);
                        return new JsonBytesResult(StatusCodes.Status200OK, answer);
                    }
                }
                catch (Exception e) when (Database.IsUniqueViolation(e))
                {
                    // The Request-Id is held (a replay, the same request in flight, an expired key): the general path says which.
                }
            }
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

                var body = Answer(stored!, baseUrl, c);
                await key.CompleteAsync(unit, StatusCodes.Status200OK, body);
                unit.Commit();
                created = stored!.Code;
                return new JsonBytesResult(StatusCodes.Status200OK, body);
            }, http.RequestAborted);
            if (created is not null)
            {
                telemetry.CodeCreated(merchant.ClientId, created);
            }
            return result;
        });
    }

    /// <summary>The answer to a create, as stored for the Request-Id's replays.</summary>
    private static byte[] Answer(PaymentCode stored, string baseUrl, CreateCommand c) =>
        WireJson.Serialize(new CreateResponse(
            new OrderRef(stored.InvoiceNumber),
            new CreatedCodeInfo(
                stored.Code,
                $"{baseUrl}/how-to-pay/v2/alfa-online-to-offline/{stored.Code}/{stored.HowToPayToken}",
                $"{baseUrl}/alfa-online-to-offline/v2/how-to-pay-api/{stored.Code}/{stored.HowToPayToken}",
                WireDates.Wib14(stored.Created), WireDates.Wib14(stored.Expires),
                WireDates.Utc(stored.Created), WireDates.Utc(stored.Expires)),
            c.AdditionalInfo));
}
