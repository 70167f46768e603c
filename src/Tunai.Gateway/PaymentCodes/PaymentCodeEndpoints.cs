using Microsoft.AspNetCore.Http.Features;
using System.Security.Cryptography;
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

            var baseUrl = PublicBaseUrl(http, options);
            string? created = null;
            var result = await database.WriteAsync<IResult>(async unit =>
            {
                created = null;
                if (await key.ClaimAsync(unit) is { } answered)
                {
                    return answered;
                }
                var (connection, tx) = (unit.Connection, unit.Transaction);
                (PaymentCode Code, Money.FeeSchedule Fee)? inserted = null;
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
                if (await Money.CodeMoney.AcceptNewAsync(unit, stored, fee) is { } refused)
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
                var (connection, tx) = (unit.Connection, unit.Transaction);
                var current = await PaymentCodeStore.FindAsync(connection, request.Merchant.Id, u.PaymentCode, tx);
                if (current is null)
                {
                    return new ApiError(StatusCodes.Status404NotFound, "payment_code_not_found",
                        $"Payment code {u.PaymentCode} does not exist for this merchant", "online_to_offline_info.payment_code");
                }
                if (u.InvoiceNumber is not null && u.InvoiceNumber != current.InvoiceNumber)
                {
                    return ApiError.Validation("order.invoice_number",
                        $"order.invoice_number must be the code's invoice number ({current.InvoiceNumber})");
                }
                if (!u.Cancel && u.ExpiredMinutes is null && current.StatusAt(now) == CodeStatus.Expired)
                {
                    return new ApiError(StatusCodes.Status400BadRequest, "payment_code_expired",
                        $"Payment code {u.PaymentCode} has expired; send online_to_offline_info.expired_time to extend it",
                        "online_to_offline_info.expired_time");
                }

                PaymentCode? changed;
                try
                {
                    changed = u.Cancel
                        ? await PaymentCodeStore.CancelAsync(connection, tx, current.Id, nowMs)
                        : await PaymentCodeStore.UpdateAsync(connection, tx, current, u,
                            u.ExpiredMinutes is { } minutes ? nowMs + minutes * 60_000L : null, nowMs);
                }
                catch (Exception e) when (Database.IsUniqueViolation(e))
                {
                    return new ApiError(StatusCodes.Status400BadRequest, "invoice_number_in_use",
                        $"Invoice {current.InvoiceNumber} now has another live payment code; this one cannot be reactivated",
                        "order.invoice_number");
                }
                if (changed is null)
                {
                    // Lost to a concurrent payment or cancel: the code as it is now says which.
                    var latest = await PaymentCodeStore.FindAsync(connection, request.Merchant.Id, u.PaymentCode, tx) ?? current;
                    var state = latest.Status == CodeStatus.Paid ? "paid" : "cancelled";
                    return new ApiError(StatusCodes.Status400BadRequest, $"payment_code_{state}",
                        $"Payment code {u.PaymentCode} is {state} and can no longer be {(u.Cancel ? "cancelled" : "updated")}",
                        "online_to_offline_info.payment_code");
                }
                // The splits (new or kept) against the amount (new or kept) and the fee the code was sold at: the field
                // named is the one this request changed.
                var settlementGiven = (u.AdditionalInfo?.Settlement ?? FieldChange.Keep).Given;
                if (!u.Cancel && await Money.CodeMoney.RecheckAsync(unit, changed,
                        u.Amount is null || settlementGiven ? Money.CodeMoney.SettlementField : "order.amount") is { } refused)
                {
                    return refused;
                }

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
