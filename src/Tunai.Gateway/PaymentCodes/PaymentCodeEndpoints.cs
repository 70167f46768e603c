using Microsoft.AspNetCore.Http.Features;
using Tunai.Gateway.Admin;
using Tunai.Gateway.Api;
using Tunai.Gateway.Configuration;
using Tunai.Gateway.Idempotency;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Storage;
using Tunai.Gateway.Telemetry;

using Tunai.Gateway.Abuse;

namespace Tunai.Gateway.PaymentCodes;

public static class PaymentCodeEndpoints
{
    public static IEndpointRouteBuilder MapPaymentCodes(this IEndpointRouteBuilder app)
    {
        var merchantApi = app.MapGroup("")
            .LimitAuthenticationFailures()
            .AddEndpointFilter<MerchantSignatureFilter>()
            .LimitPerCaller("merchant", limits => limits.MerchantRequestsPerSecond)
            .AddEndpointFilter<IdempotencyFilter>()
            .AddEndpointFilter<RetryTransientFailures>();
        // The reference names the first path; the provider's plugins and older docs use the second.
        merchantApi.MapPost("/alfa-virtual-account/v2/payment-code", Create);
        merchantApi.MapPost("/alfa-online-to-offline/v2/payment-code", Create);
        merchantApi.MapPatch("/alfa-online-to-offline/v2/payment-code", Update);

        app.MapGroup("/admin/v1/payment-codes").RequireAdminToken().MapGet("", List);
        return app;
    }

    private static async Task<IResult> Create(HttpContext http, Database database, TunaiOptions options, TimeProvider time)
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

            var baseUrl = PublicBaseUrl(http, options);
            string? created = null;
            var result = await database.WriteAsync<IResult>(async unit =>
            {
                created = null;
                if (await key.ClaimAsync(unit) is { } answered)
                {
                    return answered;
                }
                var (inserted, refused) = await PaymentCodeOperations.CreateAsync(unit, database, options, merchant, c, code);
                if (refused is not null)
                {
                    return refused;
                }
                var stored = inserted!;

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

    private static async Task<IResult> Update(HttpContext http, Database database, TimeProvider time)
    {
        var request = http.Features.GetRequiredFeature<MerchantRequest>();
        var key = http.Features.GetRequiredFeature<RequestKey>();
        if (RequestBody.ParseObject(request.Body!, out var document) is { } malformed)
        {
            return malformed;
        }
        using (document)
        {
            var (command, error) = PaymentCodeRequests.ParseUpdate(document!.RootElement, request.Merchant);
            if (error is not null)
            {
                return error;
            }
            var u = command!;
            var now = time.GetUtcNow();
            var nowMs = now.ToUnixTimeMilliseconds();

            return await database.WriteAsync<IResult>(async unit =>
            {
                if (await key.ClaimAsync(unit) is { } answered)
                {
                    return answered;
                }
                var (updated, refused) = await PaymentCodeOperations.UpdateAsync(unit, request.Merchant, u,
                    u.ExpiredMinutes is { } minutes ? nowMs + minutes * 60_000L : null, now);
                if (refused is not null)
                {
                    return refused;
                }
                var changed = updated!;

                var body = WireJson.Serialize(new UpdateResponse(
                    new OrderRef(changed.InvoiceNumber),
                    new UpdatedCodeInfo(changed.Code,
                        WireDates.Wib14(changed.Created), WireDates.Wib14(changed.Expires),
                        WireDates.Utc(changed.Created), WireDates.Utc(changed.Expires))));
                await key.CompleteAsync(unit, StatusCodes.Status200OK, body);
                unit.Commit();
                return new JsonBytesResult(StatusCodes.Status200OK, body);
            }, http.RequestAborted);
        }
    }

    private static async Task<IResult> List(
        HttpContext http, Database database, TimeProvider time,
        string? client_id, string? status, string? invoice_number, int? limit, string? cursor)
    {
        if (status is not null && !CodeStatus.All.Contains(status.ToUpperInvariant()))
        {
            return ApiError.Validation("status", $"status must be one of {string.Join(", ", CodeStatus.All)}");
        }
        if (limit is < 1 or > 500)
        {
            return ApiError.Validation("limit", "limit must be between 1 and 500");
        }
        long? before = null;
        if (cursor is not null)
        {
            if (!long.TryParse(cursor, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var b))
            {
                return ApiError.Validation("cursor", "cursor must be a next_cursor value from a previous page");
            }
            before = b;
        }
        await using var connection = await database.OpenAsync(http.RequestAborted);
        long? merchantId = null;
        if (client_id is not null)
        {
            var merchant = await MerchantStore.FindAsync(connection, client_id);
            if (merchant is null)
            {
                return ApiError.NotFound("merchant_not_found", $"No merchant has Client-Id {client_id}");
            }
            merchantId = merchant.Id;
        }
        var now = time.GetUtcNow();
        var take = limit ?? 50;
        var rows = await PaymentCodeStore.ListAsync(connection,
            new PaymentCodeStore.ListFilter(merchantId, status?.ToUpperInvariant(), invoice_number, before, take + 1),
            now.ToUnixTimeMilliseconds());
        var page = rows.Take(take).Select(r => new PaymentCodeListItem(
            r.ClientId, r.Code.Code, r.Code.Kind, r.Code.InvoiceNumber, r.Code.Amount, r.Code.StatusAt(now),
            r.Code.Reusable, r.Code.CustomerName, r.Code.CustomerEmail, r.Code.Info, r.Code.RequestId,
            WireDates.Utc(r.Code.Created), WireDates.Utc(r.Code.Expires),
            r.Code.PaidAt is { } p ? WireDates.Utc(DateTimeOffset.FromUnixTimeMilliseconds(p)) : null,
            r.Code.CancelledAt is { } x ? WireDates.Utc(DateTimeOffset.FromUnixTimeMilliseconds(x)) : null)).ToList();
        var next = rows.Count > take ? rows[take - 1].Code.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        return WireJson.Ok(new PaymentCodeList(page, next));
    }

    public static string PublicBaseUrl(HttpContext http, TunaiOptions options) =>
        string.IsNullOrWhiteSpace(options.PublicBaseUrl)
            ? $"{http.Request.Scheme}://{http.Request.Host}"
            : options.PublicBaseUrl.TrimEnd('/');
}
