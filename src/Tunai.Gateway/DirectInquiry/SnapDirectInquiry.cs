using System.Text.RegularExpressions;
using Tunai.Gateway.Clock;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Store;
using Tunai.Signing;

namespace Tunai.Gateway.DirectInquiry;

/// <summary>
/// Direct inquiry to a merchant speaking SNAP: the <c>transfer-va/inquiry</c> body posted to its SNAP inquiry URL with
/// the SNAP headers (<see cref="Snap.SnapOutbound"/>), and its answer, signed the way the request was (HMAC-SHA512 over
/// <c>POST:path:token:hash(answer):X-TIMESTAMP</c> of the answer), read into the same <see cref="DirectInquiryAnswer"/>
/// an Alfa O2O merchant's answer gives.
/// </summary>
public sealed partial class DirectInquiryClient
{
    private async Task<DirectInquiryAnswer> AskSnapAsync(Merchant merchant, string paymentCode, StoreContext store, CancellationToken ct)
    {
        if (!Uri.TryCreate(merchant.SnapInquiryUrl, UriKind.Absolute, out var url))
        {
            return Decline(merchant, "The merchant has no valid SNAP inquiry URL");
        }
        var inquiryRequestId = Guid.NewGuid().ToString();
        var body = Snap.SnapMerchantMessages.Inquiry(merchant.CodePrefix, paymentCode, inquiryRequestId, store);
        Snap.SnapOutbound.Prepared? call = null;
        return await SendAsync(merchant, async within =>
            {
                var (prepared, error) = await snap.PrepareAsync(merchant, url, body, inquiryRequestId, within);
                call = prepared;
                return (prepared?.Request, error);
            },
            (status, response, bytes) => JudgeSnap(merchant, paymentCode, inquiryRequestId, call!, status, response, bytes), ct);
    }

    private DirectInquiryAnswer JudgeSnap(Merchant merchant, string paymentCode, string inquiryRequestId, Snap.SnapOutbound.Prepared call,
        int httpStatus, HttpResponseMessage response, byte[] body)
    {
        if (httpStatus == 401)
        {
            snap.Forget(merchant.Id, call.Token);
            return Decline(merchant, "The merchant refused the gateway's token or signature (HTTP 401)");
        }
        var timestamp = Header(response, SnapHeaders.Timestamp);
        var signature = Header(response, SnapHeaders.Signature);
        if (signature is null)
        {
            return Decline(merchant, "The merchant's answer is not signed (no X-SIGNATURE)");
        }
        if (!SnapSignature.TryParseTimestamp(timestamp, out var signedAt))
        {
            return Decline(merchant, "The merchant's answer has no valid X-TIMESTAMP");
        }
        if ((signedAt - time.WallClock().GetUtcNow()).Duration() > options.MerchantApi.TimestampTolerance)
        {
            return Decline(merchant, $"The merchant's answer is stale: X-TIMESTAMP {timestamp}");
        }
        if (!SnapSignature.VerifyTransaction(merchant.VerifyingKeys(time.GetUtcNow()), "POST", call.Path, call.SigningToken, body, timestamp!, signature))
        {
            return Decline(merchant, "The merchant's answer has a wrong X-SIGNATURE");
        }
        return ReadObject(merchant, body, root => Snap.SnapOutbound.ResponseCode(body) is not { } code
            ? Decline(merchant, "The merchant's answer has no responseCode")
            : code.StartsWith("200", StringComparison.Ordinal) && httpStatus is >= 200 and < 300
                ? ReadSnapBill(merchant, paymentCode, inquiryRequestId, root)
                : SnapRefusal(code, root));
    }

    /// <summary>A refusal by its case code: unknown bill, paid bill, expired; anything else a decline in the merchant's words.</summary>
    private static DirectInquiryAnswer SnapRefusal(string code, JsonElement root)
    {
        var message = root.TryGetProperty("responseMessage", out var m) && m.ValueKind == JsonValueKind.String ? Clip(m.GetString()!) : null;
        var status = code.Length == 7 ? (code[..3], code[5..]) switch
        {
            ("404", "12") => StoreOutcome.NotFound,
            ("404", "14") => StoreOutcome.AlreadyPaid,
            ("403", "00") => StoreOutcome.Expired,
            _ => StoreOutcome.Decline,
        } : StoreOutcome.Decline;
        return new DirectInquiryAnswer(status, Reason: message is null ? $"responseCode {Clip(code)}" : $"{Clip(code)} {message}");
    }

    private DirectInquiryAnswer ReadSnapBill(Merchant merchant, string paymentCode, string inquiryRequestId, JsonElement root)
    {
        var f = new FieldReader(root);
        var inquiryStatus = f.Text("virtualAccountData.inquiryStatus", 2);
        if (f.Error is null && inquiryStatus is not null && inquiryStatus != "00")
        {
            var reason = f.Text("virtualAccountData.inquiryReason.english", 128) ?? f.Text("virtualAccountData.inquiryReason.indonesia", 128);
            return new DirectInquiryAnswer(StoreOutcome.Decline, Reason: reason is null ? $"inquiryStatus {inquiryStatus}" : Clip(reason));
        }
        var virtualAccountNo = f.Text("virtualAccountData.virtualAccountNo", 28);
        var name = f.Text("virtualAccountData.virtualAccountName", 64, required: true);
        var email = f.Text("virtualAccountData.virtualAccountEmail", 128);
        var value = f.Text("virtualAccountData.totalAmount.value", 19, required: true);
        var currency = f.Text("virtualAccountData.totalAmount.currency", 3);
        var trxId = f.Text("virtualAccountData.trxId", 64);
        var echoed = f.Text("virtualAccountData.inquiryRequestId", 128);
        var additional = f.Object("virtualAccountData.additionalInfo");
        var lines = FreeTexts(f, root);
        if (f.Error is { } invalid)
        {
            return Decline(merchant, $"The merchant's answer is invalid: {invalid.Message}");
        }
        if (virtualAccountNo is not null && virtualAccountNo.Replace(" ", "", StringComparison.Ordinal) != paymentCode)
        {
            return Decline(merchant, "The merchant answered for another payment code");
        }
        if (echoed is not null && echoed != inquiryRequestId)
        {
            return Decline(merchant, "The merchant's answer echoes another inquiryRequestId");
        }
        if (currency is not null && currency != "IDR")
        {
            return Decline(merchant, $"The merchant's answer is in {Clip(currency)}, not IDR");
        }
        var amount = WholeRupiah().Match(value!);
        if (!amount.Success || long.Parse(amount.Groups[1].Value, CultureInfo.InvariantCulture) < 1)
        {
            return Decline(merchant, "The merchant's totalAmount.value is not a whole rupiah amount of at least 1 (e.g. 150000.00)");
        }
        // trxId is the invoice number; a merchant that gives none gets the code itself as its invoice number.
        return new DirectInquiryAnswer(StoreOutcome.Success, trxId ?? paymentCode, long.Parse(amount.Groups[1].Value, CultureInfo.InvariantCulture),
            lines.ElementAtOrDefault(0), name, email, additional?.GetRawText(), Info2: lines.ElementAtOrDefault(1), Info3: lines.ElementAtOrDefault(2),
            RequestId: inquiryRequestId);
    }

    /// <summary>freeTexts [{english, indonesia}] as the till's info lines (indonesia first), at most three of 30 characters.</summary>
    private static List<string> FreeTexts(FieldReader f, JsonElement root)
    {
        var lines = new List<string>();
        if (!root.TryGetProperty("virtualAccountData", out var data) || data.ValueKind != JsonValueKind.Object
            || !data.TryGetProperty("freeTexts", out var texts) || texts.ValueKind != JsonValueKind.Array)
        {
            return lines;
        }
        foreach (var text in texts.EnumerateArray().Take(3))
        {
            var line = text.ValueKind == JsonValueKind.Object ? new FieldReader(text) : null;
            if (line is not null && (line.Text("indonesia", 30) ?? line.Text("english", 30)) is { } value)
            {
                lines.Add(value);
            }
            if (line?.Error is { } invalid)
            {
                f.Fail<string>("virtualAccountData.freeTexts", $"virtualAccountData.freeTexts: {invalid.Message}");
            }
        }
        return lines;
    }

    [GeneratedRegex(@"^(0|[1-9][0-9]{0,11})(\.00)?$")]
    private static partial Regex WholeRupiah();
}
