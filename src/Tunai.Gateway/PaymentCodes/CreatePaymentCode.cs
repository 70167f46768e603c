using Microsoft.AspNetCore.Http.Features;
using System.Security.Cryptography;
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
            var code = new PaymentCode
            {
                MerchantId = merchant.Id,
                Code = c.PaymentCode ?? "",
                Kind = c.PaymentCode is null ? "DGPC" : "MGPC",
                InvoiceNumber = c.InvoiceNumber,
                Amount = c.Amount,
                Status = CodeStatus.Active,
                Reusable = c.Reusable,
                Info = c.Info,
                Info2 = c.Info2,
                Info3 = c.Info3,
                CustomerName = c.CustomerName,
                CustomerEmail = c.CustomerEmail,
                FooterMessage = c.FooterMessage,
                InsuranceInfo = c.InsuranceInfo,
                AccountId = c.AccountId,
                Settlement = c.Settlement,
                OverrideNotificationUrl = c.OverrideNotificationUrl,
                AdditionalInfo = c.AdditionalInfo?.GetRawText(),
                RequestId = request.RequestId,
                HowToPayToken = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_'),
                CreatedAt = createdAt,
                ExpiresAt = createdAt + c.ExpiredMinutes * 60_000L,
                UpdatedAt = createdAt,
            };

            var baseUrl = PaymentCodeEndpoints.PublicBaseUrl(http, options);
            string? created = null;
            var result = await database.WriteAsync<IResult>(async unit =>
            {
                created = null;
                if (await key.ClaimAsync(unit) is { } answered)
                {
                    return answered;
                }
                var (connection, tx) = (unit.Connection, unit.Transaction);
                (PaymentCode Code, Fees.FeeSchedule Fee)? inserted = null;
                var expiredChecked = false;
                for (var attempt = 0; inserted is null && attempt < 10; attempt++)
                {
                    var candidate = c.PaymentCode is null
                        ? code with { Code = CodeGenerator.Generate(merchant.CodePrefix, options.PaymentCodes.GeneratedLength) }
                        : code;
                    inserted = await PaymentCodeStore.InsertAsync(unit, candidate);
                    if (inserted is not null)
                    {
                        break;
                    }
                    // A conflict, told apart only now: the merchant's own code is taken; a code past its expiry that
                    // nothing marked yet holds the invoice (marked EXPIRED, which frees it, and tried again); a live
                    // code holds it; or a drawn code is taken (another is drawn).
                    if (c.PaymentCode is not null && await PaymentCodeStore.CodeTakenAsync(connection, tx, c.PaymentCode))
                    {
                        return new ApiError(StatusCodes.Status400BadRequest, "payment_code_in_use",
                            $"Payment code {c.PaymentCode} is already registered; payment codes are never reused",
                            "online_to_offline_info.payment_code");
                    }
                    if (!expiredChecked)
                    {
                        expiredChecked = true;
                        if (await PaymentCodeStore.ExpireInvoiceAsync(connection, tx, merchant.Id, c.InvoiceNumber, createdAt) > 0)
                        {
                            continue;
                        }
                    }
                    if (await PaymentCodeStore.InvoiceHeldAsync(connection, tx, merchant.Id, c.InvoiceNumber))
                    {
                        return new ApiError(StatusCodes.Status400BadRequest, "invoice_number_in_use",
                            $"Invoice {c.InvoiceNumber} already has a payment code that is active or paid; cancel it first or use another invoice number",
                            "order.invoice_number");
                    }
                }
                if (inserted is null)
                {
                    throw new InvalidOperationException("Could not draw a free payment code in 10 attempts; the prefix's code space is nearly full");
                }
                var (stored, fee) = inserted.Value;
                if (await Settlement.CodeMoney.AcceptNewAsync(unit, stored, fee) is { } refused)
                {
                    return refused;
                }

                var body = WireJson.Serialize(new CreateResponse(
                    new OrderRef(stored.InvoiceNumber),
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
