using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.Features;
using Tunai.Gateway.Api;
using Tunai.Gateway.Configuration;
using Tunai.Gateway.DirectInquiry;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Notifications;
using Tunai.Gateway.PaymentCodes;
using Tunai.Gateway.Storage;
using Tunai.Gateway.Telemetry;

namespace Tunai.Gateway.Store;

/// <summary>
/// The store side, used by the Alfa POS network: inquiry, payment and reversal. This is where money moves.
/// </summary>
public static class StoreEndpoints
{
    public static IEndpointRouteBuilder MapStore(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/acquirer/v1/alfa")
            .AddEndpointFilter<AcquirerSignatureFilter>()
            .AddEndpointFilter<RetryTransientFailures>();
        group.MapPost("/inquiry", Inquiry);
        group.MapPost("/payment", Pay);
        group.MapPost("/reversal", Reverse);
        return app;
    }

    private static async Task<IResult> Inquiry(HttpContext http, Database database, TimeProvider time, TunaiOptions options, DirectInquiryClient directInquiry)
    {
        var acquirer = http.Features.GetRequiredFeature<Acquirer>();
        var body = http.Features.GetRequiredFeature<SignedCaller>().Body!;
        if (Parse(body, isPayment: false, out var request) is { } invalid)
        {
            return invalid;
        }
        var r = request!;
        var ct = http.RequestAborted;
        var now = time.GetUtcNow();

        PaymentCode? code;
        Merchant? owner = null;
        await using (var connection = await database.OpenAsync(ct))
        {
            code = await PaymentCodeStore.FindByCodeAsync(connection, r.PaymentCode);
            if (code is null || code.Kind == "DIPC")
            {
                owner = await MerchantStore.FindInquiryOwnerAsync(connection, r.PaymentCode);
            }
        }
        InquiryResponse answer;
        string? reason = null;
        if (code is null || code.Kind == "DIPC")
        {
            if (owner is null)
            {
                answer = Refusal(r.PaymentCode, StoreOutcome.NotFound, "The payment code is not known");
            }
            else
            {
                // No connection is held while the merchant is asked.
                var merchantAnswer = await directInquiry.AskAsync(owner, r.PaymentCode,
                    new StoreContext(acquirer.Code, r.AgentId, r.StoreId, r.TerminalId, r.TrxId, r.DateValue), ct);
                (answer, reason) = await RegisterDirectInquiryAsync(database, owner, r, merchantAnswer, options, time.GetUtcNow(), ct);
            }
        }
        else
        {
            var refusal = Refuse(code, amount: null, now);
            answer = refusal is null
                ? Success(code)
                : Refusal(code.Code, refusal.Value.Status, refusal.Value.Message);
            reason = refusal?.Message;
        }

        var status = answer.OnlineToOfflineInquiry.Status;
        await database.WriteAsync(async unit =>
        {
            await PaymentStore.RecordAsync(unit.Connection, unit.Transaction,
                Event(acquirer, "INQUIRY", r, status, reason ?? answer.OnlineToOfflineInquiry.Message, null, body, now));
            unit.Commit();
            return true;
        }, ct);
        return new JsonBytesResult(StoreOutcome.HttpStatus(status), WireJson.Serialize(answer));
    }

    private static async Task<(InquiryResponse Answer, string? Reason)> RegisterDirectInquiryAsync(
        Database database, Merchant owner, StoreRequest r, DirectInquiryAnswer merchantAnswer, TunaiOptions options, DateTimeOffset now, CancellationToken ct)
    {
        if (merchantAnswer.Status != StoreOutcome.Success)
        {
            return (Refusal(r.PaymentCode, merchantAnswer.Status, merchantAnswer.Reason), merchantAnswer.Reason);
        }
        var at = now.ToUnixTimeMilliseconds();
        return await database.WriteAsync<(InquiryResponse, string?)>(async unit =>
        {
            var (connection, tx) = (unit.Connection, unit.Transaction);
            PaymentCode? stored;
            try
            {
                stored = await PaymentStore.UpsertDirectInquiryAsync(connection, tx, new PaymentCode
                {
                    MerchantId = owner.Id,
                    Code = r.PaymentCode,
                    Kind = "DIPC",
                    InvoiceNumber = merchantAnswer.InvoiceNumber!,
                    Amount = merchantAnswer.Amount!.Value,
                    Status = CodeStatus.Active,
                    Info = merchantAnswer.Info,
                    CustomerName = merchantAnswer.CustomerName!,
                    CustomerEmail = merchantAnswer.CustomerEmail,
                    AdditionalInfo = merchantAnswer.AdditionalInfo,
                    RequestId = "inquiry:" + r.TrxId,
                    HowToPayToken = Convert.ToHexString(RandomNumberGenerator.GetBytes(12)),
                    CreatedAt = at,
                    ExpiresAt = at + (long)options.Store.DirectInquiryValidity.TotalMilliseconds,
                    UpdatedAt = at,
                });
            }
            catch (Exception e) when (Database.IsUniqueViolation(e))
            {
                const string why = "The merchant answered with an invoice number that another live code of theirs holds";
                return (Refusal(r.PaymentCode, StoreOutcome.Decline, why), why);
            }
            if (stored is null)
            {
                if (await PaymentCodeStore.FindByCodeAsync(connection, r.PaymentCode, tx) is { Kind: "DIPC", Status: CodeStatus.Paid } paid
                    && paid.InvoiceNumber == merchantAnswer.InvoiceNumber)
                {
                    var already = $"Invoice {paid.InvoiceNumber} has already been paid";
                    return (Refusal(r.PaymentCode, StoreOutcome.AlreadyPaid, already), already);
                }
                const string why = "The code belongs to a code the gateway issued, not to direct inquiry";
                return (Refusal(r.PaymentCode, StoreOutcome.Decline, why), why);
            }
            unit.Commit();
            return (Success(stored), null);
        }, ct);
    }

    private static async Task<IResult> Pay(HttpContext http, Database database, TimeProvider time, Outbox outbox)
    {
        var acquirer = http.Features.GetRequiredFeature<Acquirer>();
        var body = http.Features.GetRequiredFeature<SignedCaller>().Body!;
        if (Parse(body, isPayment: true, out var request) is { } invalid)
        {
            return invalid;
        }
        var r = request!;
        var hash = Convert.ToHexString(SHA256.HashData(body));
        var ct = http.RequestAborted;

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var result = await PayOnceAsync(database, outbox, acquirer, r, body, hash, time.GetUtcNow(), ct);
                http.RequestServices.GetRequiredService<GatewayTelemetry>().StoreAnswered(acquirer.Code, r.PaymentCode, result);
                return result;
            }
            catch (Exception e) when (Database.IsUniqueViolation(e) && attempt == 0)
            {
                // Another request with this trx_id committed first: the retry finds and replays its answer.
            }
        }
    }

    /// <summary>One payment request as one unit: the payment, its notification and the stored answer commit together.</summary>
    private static async Task<IResult> PayOnceAsync(Database database, Outbox outbox, Acquirer acquirer, StoreRequest r, byte[] body, string hash,
        DateTimeOffset now, CancellationToken ct)
    {
        var at = now.ToUnixTimeMilliseconds();
        return await database.WriteAsync<IResult>(async unit =>
        {
            var (connection, tx) = (unit.Connection, unit.Transaction);
            if (await PaymentStore.FindAnswerAsync(connection, tx, acquirer.Id, r.TrxId) is { } first)
            {
                if (!string.Equals(first.Hash, hash, StringComparison.Ordinal))
                {
                    var reused = new PaymentResponse(new PaymentStatus(StoreOutcome.Decline, Message: $"trx_id {r.TrxId} was already used for a different payment request"),
                        null, new StoreCodeInfo(r.PaymentCode));
                    await PaymentStore.RecordAsync(connection, tx, Event(acquirer, "PAYMENT", r, StoreOutcome.Decline, "trx_id reused with a different body", null, body, at));
                    unit.Commit();
                    return new JsonBytesResult(StatusCodes.Status400BadRequest, WireJson.Serialize(reused));
                }
                return new JsonBytesResult((int)first.Status, first.Body);
            }

            PaymentResponse answer;
            Payment? payment = null;
            var code = await PaymentCodeStore.FindByCodeAsync(connection, r.PaymentCode, tx);
            var refusal = code is null ? (StoreOutcome.NotFound, "The payment code is not known") : Refuse(code, r.Amount, now);
            if (refusal is null && await PaymentStore.TakePaymentAsync(connection, tx, code!, r.Amount!.Value, at) == 1)
            {
                payment = await PaymentStore.InsertAsync(connection, tx, new Payment
                {
                    PaymentId = "PAY-" + RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20),
                    PaymentCodeId = code!.Id,
                    MerchantId = code.MerchantId,
                    AcquirerId = acquirer.Id,
                    TrxId = r.TrxId,
                    Code = code.Code,
                    InvoiceNumber = code.InvoiceNumber,
                    Amount = code.Amount,
                    Status = "SUCCESS",
                    AgentId = r.AgentId,
                    StoreId = r.StoreId,
                    TerminalId = r.TerminalId,
                    StoreDate = r.Date,
                    AdditionalInfo = code.AdditionalInfo,
                    PaidAt = at,
                });
                // The merchant's notification commits with the payment, or neither does.
                await outbox.EnqueueAsync(unit, acquirer, code, payment, "SUCCESS", now);
                answer = new PaymentResponse(new PaymentStatus(StoreOutcome.Success, payment.PaymentId),
                    new StoreOrder(code.InvoiceNumber, code.Amount), new StoreCodeInfo(code.Code, code.Info),
                    new StoreCustomer(code.CustomerName), Alfa(code));
            }
            else
            {
                // Lost the conditional update to a concurrent payment or cancel: the code as it is now says why.
                refusal ??= Refuse((await PaymentCodeStore.FindByCodeAsync(connection, r.PaymentCode, tx))!, r.Amount, now)
                    ?? (StoreOutcome.Decline, "The payment code changed while it was being paid");
                answer = new PaymentResponse(new PaymentStatus(refusal.Value.Status, Message: refusal.Value.Message), null, new StoreCodeInfo(r.PaymentCode));
            }

            var status = answer.OnlineToOfflinePayment.Status;
            var bytes = WireJson.Serialize(answer);
            var httpStatus = StoreOutcome.HttpStatus(status);
            await PaymentStore.SaveAnswerAsync(connection, tx, acquirer.Id, r.TrxId, hash, httpStatus, bytes, at);
            await PaymentStore.RecordAsync(connection, tx, Event(acquirer, "PAYMENT", r, status, refusal?.Message, payment?.PaymentId, body, at));
            unit.Commit();
            return new JsonBytesResult(httpStatus, bytes);
        }, ct);
    }

    private static async Task<IResult> Reverse(HttpContext http, Database database, TimeProvider time, TunaiOptions options, Outbox outbox)
    {
        var acquirer = http.Features.GetRequiredFeature<Acquirer>();
        var body = http.Features.GetRequiredFeature<SignedCaller>().Body!;
        if (RequestBody.ParseObject(body, out var document) is { } malformed)
        {
            return malformed;
        }
        ReversalRequest r;
        using (document)
        {
            var (parsed, error) = StoreRequests.ParseReversal(document!.RootElement);
            if (error is not null)
            {
                return error;
            }
            r = parsed!;
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var ct = http.RequestAborted;
        var result = await database.WriteAsync<IResult>(async unit =>
        {
            var (connection, tx) = (unit.Connection, unit.Transaction);

            var payment = await PaymentStore.FindByTrxAsync(connection, tx, acquirer.Id, r.TrxId);
            var paidAfter = now - (long)options.Store.ReversalWindow.TotalMilliseconds;
            (int Status, string Reason, string Message)? refusal = payment switch
            {
                null => (404, "payment_not_found", $"No payment was made with trx_id {r.TrxId}"),
                _ when payment.Code != r.PaymentCode => (400, "code_mismatch", $"trx_id {r.TrxId} paid another payment code"),
                { Status: "REVERSED" } => (400, "already_reversed", "The payment was already reversed"),
                _ when payment.PaidAt < paidAfter => (400, "reversal_window_passed",
                    $"A payment can be reversed within {options.Store.ReversalWindow.TotalMinutes} minutes"),
                _ => null,
            };
            if (refusal is null && await PaymentStore.ReverseAsync(connection, tx, payment!.Id, now, paidAfter) == 1)
            {
                await PaymentStore.ReopenCodeAsync(connection, tx, payment.PaymentCodeId, now);
                var code = await PaymentCodeStore.FindByCodeAsync(connection, payment.Code, tx);
                await outbox.EnqueueAsync(unit, acquirer, code!, payment, "FAILED", DateTimeOffset.FromUnixTimeMilliseconds(now));
            }
            else
            {
                refusal ??= (400, "already_reversed", "The payment was already reversed");
            }
            var answer = refusal is { } no
                ? new ReversalResponse("failed", payment?.PaymentId, no.Reason, no.Message)
                : new ReversalResponse(StoreOutcome.Success, payment!.PaymentId);
            await PaymentStore.RecordAsync(connection, tx, new PaymentStore.StoreEvent(acquirer.Id, "REVERSAL", r.PaymentCode, r.TrxId,
                payment?.AgentId, payment?.StoreId, payment?.TerminalId, answer.Status, refusal?.Reason, payment?.PaymentId,
                Encoding.UTF8.GetString(body), now));
            unit.Commit();
            return new JsonBytesResult(refusal?.Status ?? StatusCodes.Status200OK, WireJson.Serialize(answer));
        }, ct);
        http.RequestServices.GetRequiredService<GatewayTelemetry>().StoreAnswered(acquirer.Code, r.PaymentCode, result);
        return result;
    }

    /// <summary>Why a code cannot be paid now (with this amount, for a payment), or null when it can.</summary>
    private static (string Status, string Message)? Refuse(PaymentCode code, long? amount, DateTimeOffset now) => code.StatusAt(now) switch
    {
        CodeStatus.Paid => (StoreOutcome.AlreadyPaid, "The payment code has already been paid"),
        CodeStatus.Cancelled => (StoreOutcome.Decline, "The merchant cancelled this payment code"),
        CodeStatus.Expired => (StoreOutcome.Expired, $"The payment code expired at {WireDates.Utc(code.Expires)}"),
        _ when amount is not null && amount != code.Amount => (StoreOutcome.Decline, $"The amount must be exactly {code.Amount} (closed amount)"),
        _ => null,
    };

    private static InquiryResponse Success(PaymentCode code) => new(
        new StoreStatus(StoreOutcome.Success),
        new StoreOrder(code.InvoiceNumber, code.Amount),
        new StoreCodeInfo(code.Code, code.Info),
        new StoreCustomer(code.CustomerName),
        code.InsuranceInfo is null ? null : new StoreAdditionalInfo(JsonDocument.Parse(code.InsuranceInfo).RootElement.Clone()),
        Alfa(code));

    private static InquiryResponse Refusal(string paymentCode, string status, string? message) =>
        new(new StoreStatus(status, message), null, new StoreCodeInfo(paymentCode));

    private static AlfaInfo? Alfa(PaymentCode code) => code.FooterMessage is null ? null : new AlfaInfo(new Receipt(code.FooterMessage));

    private static ApiError? Parse(byte[] body, bool isPayment, out StoreRequest? request)
    {
        request = null;
        if (RequestBody.ParseObject(body, out var document) is { } malformed)
        {
            return malformed;
        }
        using (document)
        {
            (request, var error) = StoreRequests.Parse(document!.RootElement, isPayment);
            return error;
        }
    }

    private static PaymentStore.StoreEvent Event(Acquirer a, string kind, StoreRequest r, string outcome, string? reason, string? paymentId, byte[] body, DateTimeOffset now) =>
        Event(a, kind, r, outcome, reason, paymentId, body, now.ToUnixTimeMilliseconds());

    private static PaymentStore.StoreEvent Event(Acquirer a, string kind, StoreRequest r, string outcome, string? reason, string? paymentId, byte[] body, long at) =>
        new(a.Id, kind, r.PaymentCode, r.TrxId, r.AgentId, r.StoreId, r.TerminalId, outcome, reason, paymentId, Encoding.UTF8.GetString(body), at);
}

/// <summary>Authenticates the store's request with the acquirer's credentials (the same HMAC scheme as merchants).</summary>
public sealed class AcquirerSignatureFilter(AcquirerCache acquirers, TunaiOptions options, TimeProvider time) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var (_, acquirer, error) = await SignedRequests.VerifyAsync<Acquirer>(http, options, time, async clientId =>
        {
            return await acquirers.FindAsync(clientId, http.RequestAborted) is { } a ? (a.SecretKey, a) : null;
        });
        if (error is not null)
        {
            return error;
        }
        http.Features.Set(acquirer!);
        return await next(context);
    }
}
