using Microsoft.AspNetCore.Http.Features;
using Tunai.Gateway.Acquirers;
using Tunai.Gateway.DirectInquiry;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.PaymentCodes;

namespace Tunai.Gateway.Store;

/// <summary>
/// A store asks what a code is for: the bill of a code Tunai holds, or, for a code under the prefix of a merchant
/// with an Inquiry URL, the merchant's own answer (<see cref="DirectInquiryClient"/>, stored by
/// <see cref="DirectInquiryBills"/>). Every inquiry is kept in store_events.
/// </summary>
public static class InquiryEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext http, Database database, TimeProvider time, TunaiOptions options, DirectInquiryClient directInquiry,
        MerchantCache merchants)
    {
        var acquirer = http.Features.GetRequiredFeature<Acquirer>();
        var body = http.Features.GetRequiredFeature<SignedCaller>().Body!;
        var (request, invalid) = RequestBody.ParseWith(body, root => StoreRequests.Parse(root, isPayment: false));
        if (invalid is not null)
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
                owner = await MerchantStore.FindInquiryOwnerAsync(connection, r.PaymentCode, http.RequestServices.GetRequiredService<Secrets.SecretBox>());
            }
        }
        InquiryResponse answer;
        string? reason = null;
        if (code is null || code.Kind == "DIPC")
        {
            if (owner is null)
            {
                answer = StoreAnswers.Refusal(r.PaymentCode, StoreOutcome.NotFound, "The payment code is not known");
            }
            else if (owner.IsDisabled)
            {
                // A disabled merchant is not asked; the store learns why its code cannot be paid.
                answer = StoreAnswers.Refusal(r.PaymentCode, StoreAnswers.MerchantNotActive.Status, StoreAnswers.MerchantNotActive.Message);
            }
            else
            {
                // No connection is held while the merchant is asked.
                var merchantAnswer = await directInquiry.AskAsync(owner, r.PaymentCode,
                    new StoreContext(r.AgentId, r.StoreId, r.TerminalId, r.TrxId, r.DateValue), ct);
                (answer, reason) = await DirectInquiryBills.RegisterAsync(database, owner, r.PaymentCode, merchantAnswer, options, time.GetUtcNow(), ct);
            }
        }
        else
        {
            var refusal = StoreAnswers.RefuseDisabled(await merchants.FindByIdAsync(code.MerchantId, ct)) ?? StoreAnswers.Refuse(code, amount: null, now);
            answer = refusal is null
                ? StoreAnswers.Success(code)
                : StoreAnswers.Refusal(code.Code, refusal.Value.Status, refusal.Value.Message);
            reason = refusal?.Message;
        }

        var status = answer.OnlineToOfflineInquiry.Status;
        await PaymentStore.RecordAsync(database,
            StoreAnswers.Event(acquirer, "INQUIRY", r, status, reason ?? answer.OnlineToOfflineInquiry.Message, null, body, now.ToUnixTimeMilliseconds()), ct);
        return new JsonBytesResult(StoreOutcome.HttpStatus(status), WireJson.Serialize(answer));
    }
}
