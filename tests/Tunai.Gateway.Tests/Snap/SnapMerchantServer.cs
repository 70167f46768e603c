using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Snap;

/// <summary>A call the SNAP merchant received, and whether Tunai's signature on it verified.</summary>
public sealed record SnapCall(string Path, Dictionary<string, string> Headers, byte[] Body, bool SignatureValid)
{
    public JsonNode Json => GatewayHost.Json(Encoding.UTF8.GetString(Body));
}

/// <summary>What the merchant answers a notification or inquiry: a status and a JSON body, signed (inquiries) unless told otherwise.</summary>
public sealed record SnapReply(int Status, JsonObject Body, bool Sign = true, string? SecretKey = null);

/// <summary>
/// A merchant speaking SNAP, on Kestrel at 127.0.0.1 port 0: a token endpoint that checks Tunai's RSA signature with
/// Tunai's public key and issues tokens, and notification and inquiry endpoints that check the Bearer token and the
/// HMAC-SHA512 signature. Every check is written here with System.Security.Cryptography alone, not with
/// Tunai.Signing, so that it is an independent reading of the standard.
/// </summary>
public sealed class SnapMerchantServer : IAsyncDisposable
{
    public const string TokenPath = "/snap/v1.0/access-token/b2b";
    public const string NotificationPath = "/snap/v1.0/transfer-va/payment";
    public const string InquiryPath = "/snap/v1.0/transfer-va/inquiry";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, bool> _issued = new();
    private int _tokens;

    private SnapMerchantServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    public required string ClientId { get; init; }

    public required string SecretKey { get; init; }

    /// <summary>Tunai's public key, as GET /snap/public-key gives it.</summary>
    public required RSA GatewayPublicKey { get; init; }

    /// <summary>The merchant's clock, for the X-TIMESTAMP of its signed answers.</summary>
    public required TimeProvider Clock { get; init; }

    public ConcurrentQueue<SnapCall> TokenCalls { get; } = new();

    public ConcurrentQueue<SnapCall> Calls { get; } = new();

    public IReadOnlyList<SnapCall> CallsTo(string path) => Calls.Where(c => c.Path == path).ToList();

    public Func<SnapCall, SnapReply> OnNotification { get; set; } =
        _ => new SnapReply(200, new JsonObject { ["responseCode"] = "2002500", ["responseMessage"] = "Successful" }, Sign: false);

    public Func<SnapCall, SnapReply> OnInquiry { get; set; } =
        _ => new SnapReply(404, new JsonObject { ["responseCode"] = "4042412", ["responseMessage"] = "Invalid Bill/Virtual Account [Not Found]" });

    public static async Task<SnapMerchantServer> StartAsync(GatewayHost gateway, TestMerchant merchant)
    {
        using var pem = await gateway.Http.GetAsync("/snap/public-key");
        var key = RSA.Create();
        key.ImportFromPem(await pem.Content.ReadAsStringAsync());
        SnapMerchantServer? self = null;
        var (app, address) = await MerchantEndpoint.ListenAsync(http => self!.AnswerAsync(http));
        self = new SnapMerchantServer(app, address)
        {
            ClientId = merchant.ClientId, SecretKey = merchant.SecretKey, GatewayPublicKey = key, Clock = gateway.Time,
        };
        return self;
    }

    /// <summary>How many tokens the token endpoint issued.</summary>
    public int TokensIssued => Volatile.Read(ref _tokens);

    public static string Sha256Hex(byte[] body) => Convert.ToHexString(SHA256.HashData(body)).ToLowerInvariant();

    public static string Hmac(string secret, string text) =>
        Convert.ToBase64String(HMACSHA512.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(text)));

    private async Task AnswerAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var path = http.Request.Path.Value ?? "";
        string? Header(string name) => headers.TryGetValue(name, out var v) ? v : null;

        if (path == TokenPath)
        {
            var timestamp = Header("X-TIMESTAMP") ?? "";
            var signed = Header("X-SIGNATURE") is { } s && Header("X-CLIENT-KEY") == ClientId && GatewayPublicKey.VerifyData(
                Encoding.UTF8.GetBytes($"{ClientId}|{timestamp}"), Convert.FromBase64String(s), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            TokenCalls.Enqueue(new SnapCall(path, headers, body, signed));
            JsonObject answer;
            if (!signed)
            {
                http.Response.StatusCode = 401;
                answer = new JsonObject { ["responseCode"] = "4017300", ["responseMessage"] = "Unauthorized.Invalid Signature" };
            }
            else
            {
                var token = "merchant-token-" + Interlocked.Increment(ref _tokens).ToString(CultureInfo.InvariantCulture);
                _issued[token] = true;
                answer = new JsonObject
                {
                    ["responseCode"] = "2007300", ["responseMessage"] = "Successful", ["accessToken"] = token, ["tokenType"] = "Bearer", ["expiresIn"] = 900,
                };
            }
            await WriteAsync(http, answer.ToJsonString());
            return;
        }

        var bearer = Header("Authorization") is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal) ? auth[7..] : "";
        var ts = Header("X-TIMESTAMP") ?? "";
        var valid = _issued.ContainsKey(bearer) && Header("X-PARTNER-ID") == ClientId && Header("X-EXTERNAL-ID") is { Length: > 0 }
            && Header("CHANNEL-ID") is { Length: > 0 }
            && Header("X-SIGNATURE") == Hmac(SecretKey, $"POST:{path}:{bearer}:{Sha256Hex(body)}:{ts}");
        var call = new SnapCall(path, headers, body, valid);
        Calls.Enqueue(call);
        var reply = path == InquiryPath ? OnInquiry(call) : OnNotification(call);
        var bytes = reply.Body.ToJsonString();
        http.Response.StatusCode = reply.Status;
        if (reply.Sign)
        {
            var timestamp = Clock.GetUtcNow().ToOffset(TimeSpan.FromHours(7)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
            http.Response.Headers["X-TIMESTAMP"] = timestamp;
            http.Response.Headers["X-SIGNATURE"] = Hmac(reply.SecretKey ?? SecretKey,
                $"POST:{path}:{bearer}:{Sha256Hex(Encoding.UTF8.GetBytes(bytes))}:{timestamp}");
        }
        await WriteAsync(http, bytes);
    }

    private static async Task WriteAsync(HttpContext http, string json)
    {
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(json, http.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        GatewayPublicKey.Dispose();
    }
}
