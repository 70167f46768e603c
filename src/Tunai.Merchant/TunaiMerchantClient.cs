using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Tunai.Signing;

namespace Tunai.Merchant;

/// <summary>
/// Calls the gateway as a merchant: create, update, cancel and check payment codes. Each call has one
/// Request-Id for all its attempts, so a retried create never makes two codes; every answer's signature is
/// checked before it is believed. Get it from DI (<see cref="TunaiServiceCollectionExtensions.AddTunaiMerchant"/>),
/// which puts the retry and signing handlers in its HttpClient; built by hand, the HttpClient's pipeline
/// must include a <see cref="TunaiSigningHandler"/>.
/// </summary>
public sealed class TunaiMerchantClient
{
    /// <summary>The update/cancel path.</summary>
    public const string UpdatePath = "/alfa-online-to-offline/v2/payment-code";

    /// <summary>The check-status path prefix; the invoice number follows.</summary>
    public const string StatusPath = "/orders/v1/status/";

    /// <summary>The settlement report path prefix; the business day (yyyy-MM-dd) follows.</summary>
    public const string SettlementReportPath = "/settlements/v1/reports/";

    private const string ReplayedHeader = "Tunai-Replayed";

    private readonly HttpClient _http;
    private readonly TunaiMerchantOptions _options;
    private readonly string _baseUrl;

    /// <summary>Creates the client on an HttpClient whose pipeline signs requests.</summary>
    public TunaiMerchantClient(HttpClient http, TunaiMerchantOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options;
        _baseUrl = options.BaseUrl.TrimEnd('/');
    }

    /// <summary>
    /// Creates a payment code: the gateway generates it when <see cref="CreatePaymentCodeRequest.PaymentCode"/>
    /// is null, otherwise the merchant's code is registered.
    /// </summary>
    /// <exception cref="TunaiApiException">The gateway refused the request.</exception>
    /// <exception cref="TunaiSignatureException">The answer's signature does not check out.</exception>
    public async Task<PaymentCodeCreated> CreatePaymentCodeAsync(CreatePaymentCodeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var wire = new WireCreateRequest(
            new WireOrder(request.InvoiceNumber, request.Amount),
            new WireCreateInfo(request.PaymentCode, request.ExpiredMinutes, request.Reusable, request.Info, request.Info2, request.Info3),
            new WireCustomer(request.CustomerName, request.CustomerEmail),
            request.ReceiptFooterMessage is { } footer ? new WireAlfaInfo(new WireReceipt(footer)) : null,
            request.AdditionalInfo);
        var answer = await SendAsync(HttpMethod.Post, _options.CreatePath, Serialize(wire, TunaiJson.Default.WireCreateRequest), cancellationToken).ConfigureAwait(false);
        var body = Parse(answer, TunaiJson.Default.WireCodeResponse);
        var info = body.OnlineToOfflineInfo;
        return new PaymentCodeCreated(
            body.Order.InvoiceNumber ?? request.InvoiceNumber,
            info.PaymentCode,
            new Uri(info.HowToPayPage ?? throw Malformed(answer, "how_to_pay_page")),
            new Uri(info.HowToPayApi ?? throw Malformed(answer, "how_to_pay_api")),
            Time(answer, info.CreatedDateUtc), Time(answer, info.ExpiredDateUtc),
            body.AdditionalInfo, answer.RequestId, answer.Replayed);
    }

    /// <summary>Updates a payment code (amount, expiry, texts); an expired code is revived by a new expiry.</summary>
    /// <exception cref="TunaiApiException">The gateway refused the request (e.g. <c>payment_code_paid</c>).</exception>
    /// <exception cref="TunaiSignatureException">The answer's signature does not check out.</exception>
    public Task<PaymentCodeUpdated> UpdatePaymentCodeAsync(UpdatePaymentCodeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var order = request.InvoiceNumber is null && request.Amount is null ? null : new WireOrder(request.InvoiceNumber, request.Amount);
        var customer = request.CustomerName is null && request.CustomerEmail is null ? null : new WireCustomer(request.CustomerName, request.CustomerEmail);
        return PatchAsync(new WireUpdateRequest(order,
            new WireUpdateInfo(request.PaymentCode, "ACTIVE", request.ExpiredMinutes, request.Reusable, request.Info, request.Info2, request.Info3),
            customer,
            request.ReceiptFooterMessage is { } footer ? new WireAlfaInfo(new WireReceipt(footer)) : null,
            request.AdditionalInfo), cancellationToken);
    }

    /// <summary>Cancels a payment code; it can no longer be paid and its invoice number is free again.</summary>
    /// <exception cref="TunaiApiException">The gateway refused the request (e.g. <c>payment_code_paid</c>).</exception>
    /// <exception cref="TunaiSignatureException">The answer's signature does not check out.</exception>
    public Task<PaymentCodeUpdated> CancelPaymentCodeAsync(string paymentCode, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(paymentCode);
        return PatchAsync(new WireUpdateRequest(null, new WireUpdateInfo(paymentCode, "DELETE", null, null, null), null, null), cancellationToken);
    }

    /// <summary>What became of an invoice (for a merchant that missed a notification).</summary>
    /// <exception cref="TunaiApiException">404 <c>order_not_found</c> when no code was ever made for it.</exception>
    /// <exception cref="TunaiSignatureException">The answer's signature does not check out.</exception>
    public async Task<OrderStatusResult> GetOrderStatusAsync(string invoiceNumber, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(invoiceNumber);
        // Segments escaped one by one: invoice numbers like INV/2026/11/0001 keep their slashes (the route is a catch-all).
        var path = StatusPath + string.Join('/', invoiceNumber.Split('/').Select(Uri.EscapeDataString));
        var answer = await SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        var body = Parse(answer, TunaiJson.Default.WireStatusResponse);
        var info = body.OnlineToOfflineInfo;
        var payment = body.OnlineToOfflinePayment;
        return new OrderStatusResult(
            body.Order.InvoiceNumber ?? invoiceNumber, body.Order.Amount ?? 0, body.Transaction.Status,
            Time(answer, body.Transaction.Date), body.Transaction.OriginalRequestId ?? "",
            info.PaymentCode, Time(answer, info.CreatedDateUtc), Time(answer, info.ExpiredDateUtc),
            payment is null ? null : new OrderPayment(payment.PaymentId, payment.Identifier ?? [], payment.PaymentCount));
    }

    /// <summary>The merchant's payments, reversals and settlement batch of one business day (WIB).</summary>
    /// <exception cref="TunaiApiException">The gateway refused the request.</exception>
    /// <exception cref="TunaiSignatureException">The answer's signature does not check out.</exception>
    public async Task<SettlementReport> GetSettlementReportAsync(DateOnly date, CancellationToken cancellationToken = default)
    {
        var path = SettlementReportPath + date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var answer = await SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        return Parse(answer, TunaiJson.Default.SettlementReport);
    }

    private async Task<PaymentCodeUpdated> PatchAsync(WireUpdateRequest wire, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(HttpMethod.Patch, UpdatePath, Serialize(wire, TunaiJson.Default.WireUpdateRequest), cancellationToken).ConfigureAwait(false);
        var body = Parse(answer, TunaiJson.Default.WireCodeResponse);
        var info = body.OnlineToOfflineInfo;
        return new PaymentCodeUpdated(body.Order.InvoiceNumber ?? "", info.PaymentCode,
            Time(answer, info.CreatedDateUtc), Time(answer, info.ExpiredDateUtc), answer.RequestId, answer.Replayed);
    }

    private sealed record Answer(byte[] Body, string RequestId, bool Replayed);

    /// <summary>
    /// One logical call: one Request-Id and one body for every attempt the pipeline makes. A success, or a
    /// 409 replay of one, must be signed by the gateway; a signed error is checked too.
    /// </summary>
    private async Task<Answer> SendAsync(HttpMethod method, string path, byte[]? body, CancellationToken cancellationToken)
    {
        var requestId = Guid.NewGuid().ToString();
        var uri = new Uri(_baseUrl + path, UriKind.Absolute);
        using var request = new HttpRequestMessage(method, uri);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        request.Headers.TryAddWithoutValidation(SignatureHeaders.RequestId, requestId);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var target = RequestTarget.Of(uri);
        var replayed = IsReplay(response);
        var succeeded = response.IsSuccessStatusCode || replayed;
        if (succeeded || response.Headers.Contains(SignatureHeaders.Signature))
        {
            VerifyResponse(response, bytes, requestId, target);
        }
        if (!succeeded)
        {
            throw Error(response.StatusCode, bytes, requestId);
        }
        return new Answer(bytes, requestId, replayed);
    }

    /// <summary>A 409 carrying Tunai-Replayed: true is the stored answer of an earlier attempt with the same Request-Id.</summary>
    internal static bool IsReplay(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.Conflict
        && response.Headers.TryGetValues(ReplayedHeader, out var values)
        && values.Any(v => string.Equals(v.Trim(), "true", StringComparison.OrdinalIgnoreCase));

    private void VerifyResponse(HttpResponseMessage response, byte[] body, string requestId, string target)
    {
        // No freshness check: the signature covers our fresh Request-Id, so an old answer cannot be replayed to us.
        var check = SignedEnvelope.VerifyResponse(name => Header(response, name), body, target, _options.ClientId, requestId,
            [_options.SecretKey], DateTimeOffset.UnixEpoch, tolerance: null);
        if (!check.IsValid)
        {
            throw new TunaiSignatureException(check.Failure switch
            {
                SignatureFailure.WrongClientId => $"The answer (HTTP {(int)response.StatusCode}) does not carry this merchant's Client-Id",
                SignatureFailure.RequestIdMismatch => $"The answer (HTTP {(int)response.StatusCode}) does not echo the Request-Id {requestId}",
                SignatureFailure.InvalidSignature => $"The answer (HTTP {(int)response.StatusCode}) has a wrong Signature",
                SignatureFailure.MissingHeader when check.Header == SignatureHeaders.Signature => $"The answer (HTTP {(int)response.StatusCode}) is not signed",
                _ => $"The answer (HTTP {(int)response.StatusCode}) has no valid Response-Timestamp",
            });
        }
    }

    private static TunaiApiException Error(HttpStatusCode status, byte[] body, string requestId)
    {
        WireErrorDetail? detail = null;
        try
        {
            detail = JsonSerializer.Deserialize(body, TunaiJson.Default.WireError)?.Error;
        }
        catch (JsonException)
        {
            // Not the gateway's error shape (a proxy's page, say): the status alone is reported.
        }
        return new TunaiApiException(status, detail?.Code, detail?.Message ?? $"HTTP {(int)status} without an error body", detail?.Field, requestId);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    private static byte[] Serialize<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToUtf8Bytes(value, type);

    private static T Parse<T>(Answer answer, JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(answer.Body, type) ?? throw Malformed(answer, "body");
        }
        catch (JsonException e)
        {
            throw new TunaiException($"The gateway's answer to Request-Id {answer.RequestId} is not the expected JSON: {e.Message}", e);
        }
    }

    private static DateTimeOffset Time(Answer answer, string value) =>
        Signature.TryParseTimestamp(value, out var time) ? time : throw Malformed(answer, $"date '{value}'");

    private static TunaiException Malformed(Answer answer, string what) =>
        new($"The gateway's answer to Request-Id {answer.RequestId} lacks a valid {what}");
}
