using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Tunai.Signing;

namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>
/// A store system (acquirer) on the wire: signs inquiry, payment and reversal requests with its own
/// credentials, as the Alfa POS network does. Create one with <see cref="CreateAsync"/>.
/// </summary>
public sealed class TestStore(GatewayHost gateway, string acquirerId, string clientId, string secretKey)
{
    public const string InquiryPath = "/acquirer/v1/alfa/inquiry";
    public const string PaymentPath = "/acquirer/v1/alfa/payment";
    public const string ReversalPath = "/acquirer/v1/alfa/reversal";

    public string AcquirerId => acquirerId;

    public string ClientId => clientId;

    public string SecretKey => secretKey;

    /// <summary>Creates an acquirer through the admin API (not ALFA: the sandbox seeds that one).</summary>
    public static async Task<TestStore> CreateAsync(GatewayHost gateway, string acquirerId = "ALFA2")
    {
        var response = await gateway.Admin.PostAsJsonAsync("/admin/v1/acquirers", new { id = acquirerId, name = $"Store {acquirerId}" });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var json = GatewayHost.Json(text);
        return new TestStore(gateway, acquirerId, (string)json["client_id"]!, (string)json["secret_key"]!);
    }

    public static string NewTrxId() => "TRX-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>An inquiry body; a payment body when <paramref name="amount"/> is given.</summary>
    public static JsonObject Body(string code, string trxId, long? amount = null, string date = "2026-11-23T03:15:00Z")
    {
        var body = new JsonObject
        {
            ["online_to_offline_info"] = new JsonObject { ["payment_code"] = code },
            ["store"] = new JsonObject { ["agent_id"] = "ALFAMART", ["store_id"] = "TZ01", ["terminal_id"] = "POS-02" },
            ["trx_id"] = trxId,
            ["date"] = date,
        };
        if (amount is not null)
        {
            body["order"] = new JsonObject { ["amount"] = amount };
        }
        return body;
    }

    public Task<ApiResponse> InquiryAsync(string code, string? trxId = null) =>
        SendAsync(InquiryPath, Body(code, trxId ?? NewTrxId()).ToJsonString());

    public Task<ApiResponse> PayAsync(string code, long amount, string? trxId = null) =>
        SendAsync(PaymentPath, Body(code, trxId ?? NewTrxId(), amount).ToJsonString());

    public Task<ApiResponse> ReverseAsync(string code, string trxId) =>
        SendAsync(ReversalPath, new JsonObject
        {
            ["online_to_offline_info"] = new JsonObject { ["payment_code"] = code },
            ["trx_id"] = trxId,
            ["date"] = "2026-11-23T03:20:00Z",
        }.ToJsonString());

    /// <summary>Sends a signed POST of arbitrary bytes (not necessarily UTF-8 or JSON), without checking the answer.</summary>
    public Task<ApiResponse> SendRawAsync(string path, byte[] body) =>
        SignedHttp.SendAsync(gateway.Http, clientId, secretKey, HttpMethod.Post, path, body, null, gateway.Time.GetUtcNow());

    /// <summary>Sends a signed POST; the body is sent byte for byte as given.</summary>
    public async Task<ApiResponse> SendAsync(string path, string body, string? requestId = null)
    {
        var result = await SignedHttp.SendAsync(gateway.Http, clientId, secretKey, HttpMethod.Post, path, Encoding.UTF8.GetBytes(body),
            requestId, gateway.Time.GetUtcNow());
        if (result.Status != System.Net.HttpStatusCode.Unauthorized)
        {
            // Every store answer past authentication is signed with the acquirer's credentials.
            AssertSigned(result);
        }
        return result;
    }

    /// <summary>The gateway's answer carries this store's Client-Id and a valid signature over the exact body bytes.</summary>
    public void AssertSigned(ApiResponse response)
    {
        Assert.Equal(clientId, response.Headers["Client-Id"]);
        var input = new SignatureInput(clientId, response.Headers["Request-Id"], response.Headers["Response-Timestamp"],
            response.Target, response.Bytes, IsResponse: true);
        Assert.True(Signature.Verify(secretKey, input, response.Headers["Signature"]), "response signature does not verify");
    }

    /// <summary>online_to_offline_inquiry.status or online_to_offline_payment.status of a store answer.</summary>
    public static string? StatusOf(ApiResponse response) =>
        (string?)(response.Json["online_to_offline_inquiry"] ?? response.Json["online_to_offline_payment"])?["status"];
}
