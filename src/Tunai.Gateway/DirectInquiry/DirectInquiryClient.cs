using System.Net;
using Tunai.Gateway.Merchants;
using Tunai.Signing;
using Tunai.Gateway.Clock;

namespace Tunai.Gateway.DirectInquiry;

/// <summary>What the store sent with its inquiry, passed on to the merchant as identifiers.</summary>
public sealed record StoreContext(string AgentId, string StoreId, string? TerminalId, string TrxId, DateTimeOffset Date);

/// <summary>
/// The merchant's answer to a direct inquiry, already verified and validated. <see cref="Status"/> is one of
/// success, decline, billing_already_paid, billing_was_expired, billing_not_found; for success the bill fields
/// are set, the same fields as a code Tunai generated carries (insurance data and footer message for the screen,
/// the receipt and the notification). <see cref="Reason"/> says why a decline was made up by the gateway (timeout,
/// bad signature, ...). <see cref="RequestId"/> is the Request-Id of the inquiry forwarded to the merchant: the
/// notification's original_request_id.
/// </summary>
public sealed record DirectInquiryAnswer(
    string Status,
    string? InvoiceNumber = null,
    long? Amount = null,
    string? Info = null,
    string? CustomerName = null,
    string? CustomerEmail = null,
    string? AdditionalInfo = null,
    string? Reason = null,
    string? Info2 = null,
    string? Info3 = null,
    string? InsuranceInfo = null,
    string? FooterMessage = null,
    string? RequestId = null);

public sealed record WireId(string Id);

public sealed record InquiryCode(string PaymentCode);

public sealed record InquiryIdentifier(string Name, string Value);

public sealed record InquiryDetail(string Date, IReadOnlyList<InquiryIdentifier> Identifier);

/// <summary>The body the gateway posts to a merchant's Inquiry URL (reference, "Receive Inquiry Request").</summary>
public sealed record DirectInquiryRequest(
    WireId Service,
    WireId Acquirer,
    WireId Channel,
    InquiryCode OnlineToOfflineInfo,
    InquiryDetail OnlineToOfflineInquiry);

/// <summary>
/// Forwards a store's inquiry for a code the gateway does not know to the merchant's Inquiry URL. The customer
/// is standing at the till, so whatever goes wrong on the merchant's side (down, slow, unsigned, malformed)
/// becomes a decline with a reason, never an exception.
/// </summary>
public sealed partial class DirectInquiryClient(HttpClient http, TunaiOptions options, TimeProvider time, Snap.SnapOutbound snap, ILogger<DirectInquiryClient> logger)
{
    /// <summary>A bill is a few hundred bytes; more than this is not an answer worth reading.</summary>
    public const int MaxResponseBytes = 64 * 1024;

    private const int MaxReasonLength = 128;

    private static readonly Dictionary<string, int> HttpStatusOf = new(StringComparer.Ordinal)
    {
        ["success"] = 200,
        ["decline"] = 400,
        ["billing_already_paid"] = 400,
        ["billing_was_expired"] = 400,
        ["billing_not_found"] = 404,
    };

    public async Task<DirectInquiryAnswer> AskAsync(Merchant merchant, string paymentCode, StoreContext store, CancellationToken ct)
    {
        if (merchant.SpeaksSnap && merchant.SnapInquiryUrl is not null)
        {
            return await AskSnapAsync(merchant, paymentCode, store, ct);
        }
        if (!Uri.TryCreate(merchant.InquiryUrl, UriKind.Absolute, out var url))
        {
            return Decline(merchant, "The merchant has no valid Inquiry URL");
        }
        var body = WireJson.Serialize(Body(paymentCode, store));
        var target = RequestTarget.Of(url);
        var requestId = Guid.NewGuid().ToString();
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in SignedEnvelope.SignRequest(merchant.ClientId, merchant.OutboundKey(time.GetUtcNow()), requestId, time.WallClock().GetUtcNow(), target, body).ToList())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await SendAsync(merchant, _ => Task.FromResult<(HttpRequestMessage?, string?)>((request, null)),
            (status, response, bytes) => Judge(merchant, paymentCode, requestId, target, status, response, bytes), ct);
    }

    /// <summary>
    /// Sends what <paramref name="prepare"/> makes (within the inquiry's time) and judges the answer; whatever goes wrong
    /// on the way is a decline with its reason.
    /// </summary>
    private async Task<DirectInquiryAnswer> SendAsync(Merchant merchant, Func<CancellationToken, Task<(HttpRequestMessage? Request, string? Error)>> prepare,
        Func<int, HttpResponseMessage, byte[], DirectInquiryAnswer> judge, CancellationToken ct)
    {
        // Wall-clock timeout on purpose: it bounds how long the till waits on the network, whatever the
        // gateway's (possibly fake) TimeProvider says.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Store.DirectInquiryTimeout);
        try
        {
            var (request, error) = await prepare(timeout.Token);
            if (request is null)
            {
                return Decline(merchant, error!);
            }
            using var sending = request;
            using var response = await http.SendAsync(sending, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400)
            {
                return Decline(merchant, $"The merchant's Inquiry URL answered a redirect (HTTP {status}); redirects are not followed");
            }
            var bytes = await Outbound.OutboundHttp.ReadCappedAsync(response.Content, MaxResponseBytes, timeout.Token);
            if (bytes is null)
            {
                return Decline(merchant, $"The merchant's answer is larger than {MaxResponseBytes / 1024} KiB");
            }
            return judge(status, response, bytes);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return Decline(merchant, "The store's request was aborted while the merchant was being asked");
        }
        catch (OperationCanceledException)
        {
            return Decline(merchant, $"The merchant did not answer within {options.Store.DirectInquiryTimeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e)
        {
            return Decline(merchant, $"The merchant's Inquiry URL could not be reached ({e.HttpRequestError})");
        }
    }

    private static DirectInquiryRequest Body(string paymentCode, StoreContext store)
    {
        var identifiers = new List<InquiryIdentifier>
        {
            new("AGENT_ID", store.AgentId),
            new("AGENT_STORE_ID", store.StoreId),
        };
        if (store.TerminalId is not null)
        {
            identifiers.Add(new("AGENT_TERMINAL_ID", store.TerminalId));
        }
        identifiers.Add(new("AGENT_TRX_ID", store.TrxId));
        // acquirer.id is the channel's (ALFA), never the code of the connection the store signed with.
        return new DirectInquiryRequest(
            new WireId(Store.AlfaChannel.ServiceId),
            new WireId(Store.AlfaChannel.AcquirerId),
            new WireId(Store.AlfaChannel.ChannelId),
            new InquiryCode(paymentCode),
            new InquiryDetail(Signature.FormatTimestamp(store.Date), identifiers));
    }

    private DirectInquiryAnswer Judge(Merchant merchant, string paymentCode, string requestId, string target, int httpStatus,
        HttpResponseMessage response, byte[] body)
    {
        if (httpStatus == (int)HttpStatusCode.Unauthorized)
        {
            // The merchant's invalid_signature answer: it refused our request, so there is no bill to read.
            return Decline(merchant, "The merchant refused the gateway's signature (HTTP 401)");
        }
        // The envelope decides: Client-Id, the Request-Id echo, the time window, and the HMAC under either
        // timestamp label (the provider's client libraries sign answers with the Request-Timestamp label).
        var check = SignedEnvelope.VerifyResponse(name => Header(response, name), body, target, merchant.ClientId, requestId,
            merchant.VerifyingKeys(time.GetUtcNow()), time.WallClock().GetUtcNow(), options.MerchantApi.TimestampTolerance);
        if (!check.IsValid)
        {
            return Decline(merchant, check.Failure switch
            {
                SignatureFailure.MissingHeader when check.Header == SignatureHeaders.Signature => "The merchant's answer is not signed",
                SignatureFailure.WrongClientId => "The merchant's answer does not carry the merchant's Client-Id",
                SignatureFailure.RequestIdMismatch => "The merchant's answer does not echo the Request-Id",
                SignatureFailure.MissingHeader or SignatureFailure.InvalidTimestamp => "The merchant's answer has no valid Response-Timestamp",
                SignatureFailure.StaleTimestamp => $"The merchant's answer is stale: {check.Detail}",
                _ => "The merchant's answer has a wrong Signature",
            });
        }

        return ReadObject(merchant, body, root => Read(merchant, paymentCode, requestId, httpStatus, root));
    }

    private DirectInquiryAnswer Read(Merchant merchant, string paymentCode, string requestId, int httpStatus, JsonElement root)
    {
        var f = new FieldReader(root);
        var status = f.Text("online_to_offline_inquiry.status", 32, required: true);
        if (f.Error is { } missing)
        {
            return Decline(merchant, $"The merchant's answer is invalid: {missing.Message}");
        }
        if (!HttpStatusOf.TryGetValue(status!, out var expected))
        {
            return Decline(merchant, $"The merchant answered an unknown status '{Clip(status!)}'");
        }
        if (httpStatus != expected)
        {
            return Decline(merchant, $"The merchant answered {status} with HTTP {httpStatus} instead of {expected}");
        }
        if (status != "success")
        {
            return new DirectInquiryAnswer(status!, Reason: MerchantMessage(root));
        }

        var invoice = f.Text("order.invoice_number", 64, required: true);
        var amount = f.Digits("order.amount", 12, required: true, min: 1);
        var code = f.Text("online_to_offline_info.payment_code", 20, required: true);
        var info = f.Text("online_to_offline_info.info", 30) ?? f.Text("online_to_offline_info.info1", 30);
        var info2 = f.Text("online_to_offline_info.info2", 30);
        var info3 = f.Text("online_to_offline_info.info3", 30);
        var name = f.Text("customer.name", 64, required: true);
        var email = f.Text("customer.email", 128);
        var additional = f.Object("additional_info");
        var insurance = f.Object("additional_info.insurance_info");
        var footer = f.Text("alfa_info.receipt.footer_message", 128);
        if (f.Error is { } invalid)
        {
            return Decline(merchant, $"The merchant's answer is invalid: {invalid.Message}");
        }
        if (code != paymentCode)
        {
            return Decline(merchant, "The merchant answered for another payment code");
        }
        return new DirectInquiryAnswer(status!, invoice, amount, info, name, email, additional?.GetRawText(),
            Info2: info2, Info3: info3, InsuranceInfo: insurance?.GetRawText(), FooterMessage: footer, RequestId: requestId);
    }

    /// <summary>The answer's JSON object handed to <paramref name="read"/>; a decline when it is not JSON or not an object.</summary>
    private DirectInquiryAnswer ReadObject(Merchant merchant, byte[] body, Func<JsonElement, DirectInquiryAnswer> read)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return Decline(merchant, "The merchant's answer is not JSON");
        }
        using (document)
        {
            return document.RootElement.ValueKind == JsonValueKind.Object ? read(document.RootElement)
                : Decline(merchant, "The merchant's answer is not a JSON object");
        }
    }

    /// <summary>The merchant's own words for a refusal, if it gave any.</summary>
    private static string? MerchantMessage(JsonElement root)
    {
        foreach (var path in new[] { "online_to_offline_inquiry", "error" })
        {
            if (root.TryGetProperty(path, out var parent) && parent.ValueKind == JsonValueKind.Object
                && parent.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                && !string.IsNullOrWhiteSpace(message.GetString()))
            {
                return Clip(message.GetString()!);
            }
        }
        return null;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    private static string Clip(string text)
    {
        var clean = new string([.. text.Where(c => !char.IsControl(c))]);
        return clean.Length <= MaxReasonLength ? clean : clean[..MaxReasonLength];
    }

    private DirectInquiryAnswer Decline(Merchant merchant, string reason)
    {
        logger.LogWarning("Direct inquiry to merchant {ClientId} declined: {Reason}", merchant.ClientId, reason);
        return new DirectInquiryAnswer("decline", Reason: reason);
    }
}
