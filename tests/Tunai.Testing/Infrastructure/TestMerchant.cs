using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tunai.Signing;

namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>A merchant's side of the wire: signs requests with its secret and checks the gateway's response signatures.</summary>
public sealed class TestMerchant(GatewayHost gateway, string clientId, string secretKey, string codePrefix)
{
    public const string CreatePath = "/alfa-online-to-offline/v2/payment-code";
    public const string CreatePathVirtualAccount = "/alfa-virtual-account/v2/payment-code";

    public string ClientId => clientId;

    public string SecretKey => secretKey;

    public string CodePrefix => codePrefix;

    public GatewayHost Gateway => gateway;

    /// <summary>Sends a signed request; the body is sent byte for byte as given.</summary>
    public Task<ApiResponse> SendAsync(HttpMethod method, string path, string? body, string? requestId = null,
        Action<HttpRequestMessage>? tamper = null, string? timestamp = null) =>
        SendBytesAsync(method, path, body is null ? null : Encoding.UTF8.GetBytes(body), requestId, tamper, timestamp);

    /// <summary>Sends a signed request whose body is arbitrary bytes (not necessarily UTF-8 or JSON).</summary>
    public Task<ApiResponse> SendBytesAsync(HttpMethod method, string path, byte[]? bytes, string? requestId = null,
        Action<HttpRequestMessage>? tamper = null, string? timestamp = null) =>
        SignedHttp.SendAsync(gateway.Http, clientId, secretKey, method, path, bytes, requestId, gateway.Time.GetUtcNow(), tamper, timestamp);

    public Task<ApiResponse> CreateAsync(object body, string? requestId = null, string path = CreatePath) =>
        SendAsync(HttpMethod.Post, path, JsonSerializer.Serialize(body), requestId);

    public Task<ApiResponse> CreateRawAsync(string body, string? requestId = null) =>
        SendAsync(HttpMethod.Post, CreatePath, body, requestId);

    public Task<ApiResponse> PatchAsync(object body, string? requestId = null) =>
        SendAsync(HttpMethod.Patch, CreatePath, JsonSerializer.Serialize(body), requestId);

    /// <summary>A valid DGPC request body with a fresh invoice number.</summary>
    public static Dictionary<string, object?> ValidCreate(string? invoice = null, long amount = 150000) => new()
    {
        ["order"] = new Dictionary<string, object?> { ["invoice_number"] = invoice ?? $"INV-{Guid.NewGuid():N}"[..30], ["amount"] = amount },
        ["online_to_offline_info"] = new Dictionary<string, object?> { ["expired_time"] = 60, ["reusable_status"] = false, ["info"] = "Merchant Demo Store" },
        ["customer"] = new Dictionary<string, object?> { ["name"] = "Anton Budiman", ["email"] = "anton@example.com" },
    };

    /// <summary>Creates a code and returns its payment_code, asserting success.</summary>
    public async Task<(string Code, JsonNode Body)> CreateCodeAsync(object? body = null)
    {
        var response = await CreateAsync(body ?? ValidCreate());
        Assert.Equal(HttpStatusCode.OK, response.Status);
        response.AssertSignedBy(this);
        return ((string)response.Json["online_to_offline_info"]!["payment_code"]!, response.Json);
    }
}

public sealed record ApiResponse(HttpStatusCode Status, string Body, Dictionary<string, string> Headers, byte[] Bytes, string Target)
{
    public JsonNode Json => GatewayHost.Json(Body);

    public string? ErrorCode => (string?)Json["error"]?["code"];

    public string? ErrorField => (string?)Json["error"]?["field"];

    public static async Task<ApiResponse> ReadAsync(HttpResponseMessage response, string target)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        return new ApiResponse(response.StatusCode, Encoding.UTF8.GetString(bytes), headers, bytes, target);
    }

    /// <summary>The response carries the merchant's Client-Id and a valid signature over the exact body bytes.</summary>
    public void AssertSignedBy(TestMerchant merchant)
    {
        Assert.Equal(merchant.ClientId, Headers["Client-Id"]);
        var input = new SignatureInput(merchant.ClientId, Headers["Request-Id"], Headers["Response-Timestamp"], Target, Bytes, IsResponse: true);
        Assert.True(Signature.Verify(merchant.SecretKey, input, Headers["Signature"]), "response signature does not verify");
    }

    public void AssertError(HttpStatusCode status, string code, string? field = null)
    {
        Assert.True(Status == status, $"expected {(int)status} {code}, got {(int)Status}: {Body}");
        Assert.Equal(code, ErrorCode);
        Assert.False(string.IsNullOrWhiteSpace((string?)Json["error"]!["message"]), "error without message");
        if (field is not null)
        {
            Assert.Equal(field, ErrorField);
        }
    }
}
