using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Tunai.Gateway.Clock;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Outbound;
using Tunai.Gateway.Secrets;
using Tunai.Signing;

namespace Tunai.Gateway.Snap;

/// <summary>
/// What Tunai sends a merchant speaking SNAP (notifications and direct inquiries): a B2B token from the merchant's
/// token URL, requested with Tunai's own RSA key (<see cref="SnapGatewayKey"/>) and kept until shortly before its
/// <c>expiresIn</c> (one request at a time per merchant, so many notifications share one token), then each call
/// signed with HMAC-SHA512 over the merchant URL's path (<see cref="SnapSignature"/>, the one place strings to sign
/// are built).
/// </summary>
public sealed class SnapOutbound(
    SnapGatewayKey gatewayKey, Database database, SecretBox box, IHttpClientFactory httpClients, TimeProvider time, TunaiOptions options)
{
    /// <summary>CHANNEL-ID of what Tunai sends: the store channel the payment came from.</summary>
    public const string ChannelId = "ALFAMART";

    /// <summary>A token the merchant's answer promised for longer is renewed this long (at most) before it ends.</summary>
    public static readonly TimeSpan RenewalMargin = TimeSpan.FromSeconds(60);

    private const int MaxTokenAnswerBytes = 16 * 1024;

    private sealed record Held(string Url, string ClientId, string Token, DateTimeOffset RenewAt);

    private readonly ConcurrentDictionary<long, Held> _tokens = new();
    private readonly ConcurrentDictionary<long, SemaphoreSlim> _gates = new();

    /// <summary>A SNAP call ready to send, and what went out for the record (headers, never a key).</summary>
    public sealed record Prepared(HttpRequestMessage Request, string SentHeaders, string Token, string SigningToken, string Path);

    /// <summary>The merchant's token: the held one while it is fresh, else a new one (one request at a time per merchant).</summary>
    public async Task<(string? Token, string? Error)> TokenAsync(Merchant merchant, CancellationToken ct)
    {
        if (Fresh(merchant) is { } held)
        {
            return (held, null);
        }
        var gate = _gates.GetOrAdd(merchant.Id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            // Another caller may have fetched it while this one waited.
            if (Fresh(merchant) is { } fetched)
            {
                return (fetched, null);
            }
            var (token, expiresIn, error) = await RequestTokenAsync(merchant, ct);
            if (token is null)
            {
                return (null, error);
            }
            var margin = TimeSpan.FromSeconds(Math.Min(RenewalMargin.TotalSeconds, expiresIn / 10.0));
            _tokens[merchant.Id] = new Held(merchant.SnapTokenUrl!, merchant.ClientId, token, time.GetUtcNow().AddSeconds(expiresIn) - margin);
            return (token, null);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The merchant refused <paramref name="token"/> (HTTP 401): the next call asks for a new one.</summary>
    public void Forget(long merchantId, string token)
    {
        if (_tokens.TryGetValue(merchantId, out var held) && held.Token == token)
        {
            _tokens.TryRemove(new KeyValuePair<long, Held>(merchantId, held));
        }
    }

    private string? Fresh(Merchant m) =>
        _tokens.TryGetValue(m.Id, out var held) && held.Url == m.SnapTokenUrl && held.ClientId == m.ClientId && time.GetUtcNow() < held.RenewAt
            ? held.Token : null;

    private async Task<(string? Token, double ExpiresIn, string? Error)> RequestTokenAsync(Merchant merchant, CancellationToken ct)
    {
        if (!Uri.TryCreate(merchant.SnapTokenUrl, UriKind.Absolute, out var url))
        {
            return (null, 0, "The merchant has no SNAP token URL configured");
        }
        var (key, _) = await gatewayKey.CurrentAsync(ct);
        var timestamp = Timestamp();
        var body = """{"grantType":"client_credentials"}"""u8.ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(SnapHeaders.ClientKey, merchant.ClientId);
        request.Headers.TryAddWithoutValidation(SnapHeaders.Timestamp, timestamp);
        request.Headers.TryAddWithoutValidation(SnapHeaders.Signature, SnapSignature.SignToken(key, merchant.ClientId, timestamp));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Notifications.Timeout);
        try
        {
            using var response = await httpClients.CreateClient(OutboundHttp.ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var answer = await OutboundHttp.ReadCappedAsync(response.Content, MaxTokenAnswerBytes, timeout.Token);
            var status = (int)response.StatusCode;
            if (status is < 200 or >= 300 || answer is null)
            {
                return (null, 0, $"The merchant's SNAP token URL answered HTTP {status}" + (ResponseCode(answer) is { } code ? $" ({code})" : ""));
            }
            return ReadToken(answer);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, 0, $"The merchant's SNAP token URL did not answer within {options.Notifications.Timeout.TotalSeconds} s");
        }
        catch (HttpRequestException e)
        {
            return (null, 0, "The merchant's SNAP token URL could not be reached: " +
                (e.InnerException is OutboundAddressRefusedException r ? r.Message : e.Message));
        }
    }

    /// <summary>accessToken and expiresIn (a number, or digits in a string as some providers send) of a 200xx00 answer.</summary>
    private static (string? Token, double ExpiresIn, string? Error) ReadToken(byte[] answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !StartsWith200(root))
            {
                return (null, 0, $"The merchant's token answer is not a success ({ResponseCode(answer) ?? "no responseCode"})");
            }
            if (!root.TryGetProperty("accessToken", out var token) || token.ValueKind != JsonValueKind.String || token.GetString() is not { Length: > 0 and <= 8192 } accessToken
                || accessToken.Any(char.IsControl))
            {
                return (null, 0, "The merchant's token answer has no accessToken");
            }
            double expiresIn = 0;
            var expiry = root.TryGetProperty("expiresIn", out var e) ? e : default;
            var valid = expiry.ValueKind switch
            {
                JsonValueKind.Number => expiry.TryGetDouble(out expiresIn),
                JsonValueKind.String => double.TryParse(expiry.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out expiresIn),
                _ => false,
            };
            return valid && expiresIn > 0 ? (accessToken, Math.Min(expiresIn, TimeSpan.FromDays(1).TotalSeconds), null)
                : (null, 0, "The merchant's token answer has no positive expiresIn");
        }
        catch (JsonException)
        {
            return (null, 0, "The merchant's token answer is not JSON");
        }
    }

    /// <summary>
    /// A POST of <paramref name="body"/> to <paramref name="url"/> with the SNAP headers; the signature is over the URL's
    /// path and query, with the merchant's token or, when the merchant chose <see cref="SnapSettings.IssuedToken"/>, the
    /// last token Tunai issued to it. Null with the reason when no token could be had.
    /// </summary>
    public async Task<(Prepared? Call, string? Error)> PrepareAsync(Merchant merchant, Uri url, byte[] body, string externalId, CancellationToken ct)
    {
        var (token, error) = await TokenAsync(merchant, ct);
        if (token is null)
        {
            return (null, error);
        }
        var signingToken = token;
        if (merchant.SnapSignatureToken == SnapSettings.IssuedToken)
        {
            await using var connection = await database.OpenAsync(ct);
            var issued = await connection.QuerySingleOrDefaultAsync<string?>(
                "SELECT snap_issued_token FROM merchants WHERE id = @id", new { id = merchant.Id });
            if (issued is null)
            {
                return (null, "snap_signature_token is ISSUED_TOKEN but Tunai has issued this merchant no B2B token yet");
            }
            signingToken = box.Open(issued);
        }
        var timestamp = Timestamp();
        var path = url.PathAndQuery;
        var (_, signature) = SnapSignature.SignTransaction(merchant.OutboundKey(time.GetUtcNow()), "POST", path, signingToken, body, timestamp);
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var headers = new (string Name, string Value)[]
        {
            ("Authorization", "Bearer " + token),
            (SnapHeaders.PartnerId, merchant.ClientId),
            (SnapHeaders.ExternalId, externalId),
            (SnapHeaders.ChannelId, ChannelId),
            (SnapHeaders.Timestamp, timestamp),
            (SnapHeaders.Signature, signature),
        };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        // The record of what went out names the token's kind, never the token: it authorises calls to the merchant.
        var sent = string.Join('\n', headers.Select(h => h.Name == "Authorization" ? "Authorization: Bearer (the merchant's token)" : $"{h.Name}: {h.Value}")
            .Prepend("Content-Type: application/json"));
        return (new Prepared(request, sent, token, signingToken, path), null);
    }

    /// <summary>Keeps the token just issued to a merchant that signs with <see cref="SnapSettings.IssuedToken"/>, sealed, in the issuing unit.</summary>
    public static Task KeepIssuedTokenAsync(WriteUnit unit, long merchantId, string sealedToken) =>
        unit.Connection.ExecuteAsync(
            "UPDATE merchants SET snap_issued_token = @sealedToken WHERE id = @merchantId AND snap_signature_token = 'ISSUED_TOKEN'",
            new { merchantId, sealedToken }, unit.Transaction);

    /// <summary>X-TIMESTAMP of what Tunai sends: WIB, seconds, as the provider writes it (the merchant checks it against its own clock).</summary>
    public string Timestamp() => SnapSignature.FormatTimestamp(time.WallClock().GetUtcNow().ToOffset(TimeSpan.FromHours(7)));

    /// <summary>True when the object's responseCode, a string or a number, begins with 200.</summary>
    public static bool StartsWith200(JsonElement root) =>
        root.TryGetProperty("responseCode", out var code) && code.ValueKind switch
        {
            JsonValueKind.String => code.GetString()!.StartsWith("200", StringComparison.Ordinal),
            JsonValueKind.Number => code.GetRawText().StartsWith("200", StringComparison.Ordinal),
            _ => false,
        };

    /// <summary>The responseCode of a JSON answer as text, or null.</summary>
    public static string? ResponseCode(byte[]? answer)
    {
        if (answer is null)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(answer);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("responseCode", out var code)
                && code.ValueKind is JsonValueKind.String or JsonValueKind.Number
                ? (code.ValueKind == JsonValueKind.String ? code.GetString() : code.GetRawText()) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
