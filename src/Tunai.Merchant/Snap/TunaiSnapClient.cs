using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Tunai.Signing;

namespace Tunai.Merchant.Snap;

/// <summary>
/// Calls the gateway over SNAP (Bank Indonesia's open-API standard): store codes as <c>transfer-va</c> virtual
/// accounts. The B2B token is obtained with the merchant's RSA key, shared by every call, renewed before it expires
/// and requested once however many calls need it at once; a token the gateway no longer knows is replaced and the call
/// sent once more. Each call has one X-EXTERNAL-ID for all its attempts, so a retried create never makes two codes
/// (the gateway answers a repeat with the stored answer). Get it from DI
/// (<see cref="TunaiServiceCollectionExtensions.AddTunaiSnap"/>), which puts the retry and signing handlers in its
/// HttpClient; built by hand, the HttpClient's pipeline must include a <see cref="TunaiSnapSigningHandler"/>.
/// </summary>
public sealed class TunaiSnapClient
{
    // Bank Indonesia's paths; the gateway serves the provider SDK's too.
    private const string TokenPath = "/v1.0/access-token/b2b";

    private readonly HttpClient _http;
    private readonly TunaiSnapOptions _options;
    private readonly SnapTokenCache _tokens;
    private readonly string _baseUrl;

    /// <summary>Creates the client on an HttpClient whose pipeline signs SNAP requests; it keeps its own token.</summary>
    public TunaiSnapClient(HttpClient http, TunaiSnapOptions options, TimeProvider? time = null)
        : this(http, options, new SnapTokenCache(time ?? TimeProvider.System, options?.TokenRefreshMargin ?? TimeSpan.Zero))
    {
    }

    /// <summary>The client of a DI container: its token is the container's, shared by every instance.</summary>
    internal TunaiSnapClient(HttpClient http, TunaiSnapOptions options, SnapTokenCache tokens)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options;
        _tokens = tokens;
        _baseUrl = options.BaseUrl.TrimEnd('/');
    }

    /// <summary>A valid B2B access token: the cached one, or a new one when it is about to expire.</summary>
    /// <exception cref="TunaiSnapException">The gateway refused the token request (<c>4017300</c>: unknown client, wrong key, clock skew).</exception>
    public Task<string> GetAccessTokenAsync(CancellationToken cancellationToken = default) => _tokens.GetAsync(ObtainTokenAsync, cancellationToken);

    /// <summary>
    /// Creates a store code (2002700): the gateway draws it when <see cref="SnapCreateVaRequest.CustomerNo"/> is null
    /// (DGPC), otherwise it registers the merchant's digits (MGPC).
    /// </summary>
    /// <exception cref="TunaiSnapException">The gateway refused the request, with its responseCode.</exception>
    public Task<SnapVaResponse> CreateVirtualAccountAsync(SnapCreateVaRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var wire = VaRequest(request.CustomerNo, request.TrxId, request.Amount, request.VirtualAccountName, request.VirtualAccountEmail,
            request.VirtualAccountPhone, request.ExpiredDate, request.FreeText, request.Reusable, request.Channel);
        return VaCallAsync(HttpMethod.Post, "/v1.0/transfer-va/create-va", wire, cancellationToken);
    }

    /// <summary>Changes a store code (2002800): amount, expiry, customer, till lines.</summary>
    /// <exception cref="TunaiSnapException">The gateway refused the request (<c>4042814</c> paid, <c>4042812</c> unknown, <c>4042818</c> another trxId...).</exception>
    public Task<SnapVaResponse> UpdateVirtualAccountAsync(SnapUpdateVaRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.CustomerNo);
        var wire = VaRequest(request.CustomerNo, request.TrxId, request.Amount, request.VirtualAccountName, request.VirtualAccountEmail,
            request.VirtualAccountPhone, request.ExpiredDate, request.FreeText, request.Reusable, request.Channel);
        return VaCallAsync(HttpMethod.Put, "/v1.0/transfer-va/update-va", wire, cancellationToken);
    }

    /// <summary>Cancels a store code (2003100): it can no longer be paid.</summary>
    /// <exception cref="TunaiSnapException">The gateway refused the request (<c>4043114</c> paid, <c>4043119</c> already cancelled...).</exception>
    public Task<SnapVaResponse> DeleteVirtualAccountAsync(string customerNo, string? trxId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerNo);
        var wire = new SnapWireVaRequest(_options.PaddedPartnerServiceId, customerNo, _options.PaddedPartnerServiceId + customerNo,
            trxId, null, null, null, null, null, null, null, null, new SnapWireVaInfo(_options.Channel));
        return VaCallAsync(HttpMethod.Delete, "/v1.0/transfer-va/delete-va", wire, cancellationToken);
    }

    /// <summary>Whether a store code was paid (2002600), with the acquirer and the code's status.</summary>
    /// <exception cref="TunaiSnapException">The gateway refused the request (<c>4042612</c> unknown code...).</exception>
    public async Task<SnapVaStatusResponse> GetVirtualAccountStatusAsync(string customerNo, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerNo);
        var wire = new SnapWireStatusRequest(_options.PaddedPartnerServiceId, customerNo, _options.PaddedPartnerServiceId + customerNo);
        var (answer, externalId, _) = await TransactionAsync(HttpMethod.Post, "/v1.0/transfer-va/status", Serialize(wire, SnapWireJson.Default.SnapWireStatusRequest),
            SnapWireJson.Default.SnapVaStatusResponse, cancellationToken).ConfigureAwait(false);
        return answer with { ExternalId = externalId };
    }

    private SnapWireVaRequest VaRequest(string? customerNo, string trxId, long? amount, string? name, string? email, string? phone,
        DateTimeOffset? expiredDate, IReadOnlyList<string>? freeText, bool? reusable, string? channel) =>
        new(_options.PaddedPartnerServiceId,
            customerNo,
            customerNo is null ? null : _options.PaddedPartnerServiceId + customerNo,
            trxId, name, email, phone,
            amount is { } rupiah ? SnapAmount.Idr(rupiah) : null,
            freeText?.Select(line => new SnapText(line, line)).ToList(),
            "C",
            reusable,
            expiredDate is { } at ? SnapSignature.FormatTimestamp(at.ToOffset(TimeSpan.FromHours(7))) : null,
            new SnapWireVaInfo(channel ?? _options.Channel));

    private async Task<SnapVaResponse> VaCallAsync(HttpMethod method, string path, SnapWireVaRequest wire, CancellationToken cancellationToken)
    {
        var (answer, externalId, replayed) = await TransactionAsync(method, path, Serialize(wire, SnapWireJson.Default.SnapWireVaRequest),
            SnapWireJson.Default.SnapVaResponse, cancellationToken).ConfigureAwait(false);
        return answer with { ExternalId = externalId, Replayed = replayed };
    }

    /// <summary>
    /// One logical call: one X-EXTERNAL-ID and one body for every attempt. A 2xx, or a 409 replay of an earlier
    /// attempt's answer, is the answer; a 401 Invalid Token (the gateway forgot the token, or it expired unseen)
    /// gets a new token and one more try under the same X-EXTERNAL-ID (the refused attempt claimed nothing).
    /// </summary>
    private async Task<(T Answer, string ExternalId, bool Replayed)> TransactionAsync<T>(HttpMethod method, string path, byte[] body,
        JsonTypeInfo<T> answerType, CancellationToken cancellationToken) where T : class
    {
        var externalId = Guid.NewGuid().ToString("N");
        for (var attempt = 0; ; attempt++)
        {
            var token = await GetAccessTokenAsync(cancellationToken).ConfigureAwait(false);
            using var request = new HttpRequestMessage(method, new Uri(_baseUrl + path, UriKind.Absolute))
            {
                Content = new ByteArrayContent(body),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
            request.Headers.TryAddWithoutValidation(SnapHeaders.PartnerId, _options.ClientId);
            request.Headers.TryAddWithoutValidation(SnapHeaders.ExternalId, externalId);
            request.Headers.TryAddWithoutValidation(SnapHeaders.ChannelId, _options.ChannelId);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            request.Options.Set(SnapCall.Key, new SnapCall(path, token));

            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var replayed = TunaiMerchantClient.IsReplay(response);
            if (response.IsSuccessStatusCode || replayed)
            {
                return (Parse(bytes, answerType, externalId), externalId, replayed);
            }
            var error = Error(response.StatusCode, bytes, externalId);
            if (attempt == 0 && error.StatusCode == HttpStatusCode.Unauthorized && error.CaseCode == "01")
            {
                _tokens.Invalidate(token);
                continue;
            }
            throw error;
        }
    }

    private async Task<(string Token, TimeSpan ExpiresIn)> ObtainTokenAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_baseUrl + TokenPath, UriKind.Absolute))
        {
            Content = new ByteArrayContent(Serialize(new SnapWireTokenRequest("client_credentials"), SnapWireJson.Default.SnapWireTokenRequest)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(SnapHeaders.ClientKey, _options.ClientId);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Options.Set(SnapCall.Key, new SnapCall(TokenPath, null));
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw Error(response.StatusCode, bytes, null);
        }
        var answer = Parse(bytes, SnapWireJson.Default.SnapTokenResponse, null);
        if (answer.AccessToken is not { Length: > 0 } token || answer.ExpiresIn is not { } expiresIn || expiresIn <= 0)
        {
            throw new TunaiException("The gateway's token answer lacks accessToken or a positive expiresIn");
        }
        return (token, TimeSpan.FromSeconds(expiresIn));
    }

    private static byte[] Serialize<T>(T value, JsonTypeInfo<T> type) => SnapJson.WriteBytes(JsonSerializer.SerializeToElement(value, type));

    private static T Parse<T>(byte[] body, JsonTypeInfo<T> type, string? externalId) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(body, type)
                ?? throw new TunaiException($"The gateway's SNAP answer to X-EXTERNAL-ID {externalId} is empty");
        }
        catch (JsonException e)
        {
            throw new TunaiException($"The gateway's SNAP answer to X-EXTERNAL-ID {externalId} is not the expected JSON: {e.Message}", e);
        }
    }

    private static TunaiSnapException Error(HttpStatusCode status, byte[] body, string? externalId)
    {
        SnapErrorResponse? error = null;
        try
        {
            error = JsonSerializer.Deserialize(body, SnapWireJson.Default.SnapErrorResponse);
        }
        catch (JsonException)
        {
            // Not a SNAP answer (a proxy's page, say): the status alone is reported.
        }
        // responseCode is a string from Tunai; some SNAP servers write a number.
        var code = error?.ResponseCode is { } element
            ? element.ValueKind == JsonValueKind.String ? element.GetString() : element.ValueKind == JsonValueKind.Number ? element.GetRawText() : null
            : null;
        return new TunaiSnapException(status, code, error?.ResponseMessage ?? $"HTTP {(int)status} without a SNAP answer", externalId);
    }
}
