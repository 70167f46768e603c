using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Tunai.Signing;

namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>An Alfa POS: signs store requests with an acquirer's credentials.</summary>
public sealed class TestStore(GatewayHost gateway, string clientId, string secretKey)
{
    public string ClientId => clientId;

    public string SecretKey => secretKey;

    /// <summary>Creates an acquirer through the admin API and returns a store signing with its credentials.</summary>
    public static async Task<TestStore> CreateAsync(GatewayHost gateway, string id = "ALFATEST")
    {
        using var response = await gateway.Admin.PostAsJsonAsync("/admin/v1/acquirers", new { id, name = "Test acquirer " + id });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, text);
        var json = GatewayHost.Json(text);
        return new TestStore(gateway, (string)json["client_id"]!, (string)json["secret_key"]!);
    }

    public static string NewTrxId() => "ALFA-" + Guid.NewGuid().ToString("N")[..16];

    public static Dictionary<string, object?> InquiryBody(string code, string trxId, string date = "2026-11-23T03:15:00Z") => new()
    {
        ["online_to_offline_info"] = new { payment_code = code },
        ["store"] = new { agent_id = "ALFAMART", store_id = "TZ01", terminal_id = "POS-02" },
        ["trx_id"] = trxId,
        ["date"] = date,
    };

    public Task<ApiResponse> InquiryAsync(string code, string? trxId = null) =>
        SendAsync("/acquirer/v1/alfa/inquiry", JsonSerializer.Serialize(InquiryBody(code, trxId ?? NewTrxId())));

    public Task<ApiResponse> PayAsync(string code, long amount, string? trxId = null)
    {
        var body = InquiryBody(code, trxId ?? NewTrxId());
        body["order"] = new { amount };
        return SendAsync("/acquirer/v1/alfa/payment", JsonSerializer.Serialize(body));
    }

    public Task<ApiResponse> ReverseAsync(string code, string trxId) =>
        SendAsync("/acquirer/v1/alfa/reversal", JsonSerializer.Serialize(new
        {
            online_to_offline_info = new { payment_code = code },
            trx_id = trxId,
            date = "2026-11-23T03:20:00Z",
        }));

    public async Task<ApiResponse> SendAsync(string path, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var requestId = Guid.NewGuid().ToString();
        var timestamp = Signature.FormatTimestamp(gateway.Time.GetUtcNow());
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(SignatureHeaders.ClientId, clientId);
        request.Headers.Add(SignatureHeaders.RequestId, requestId);
        request.Headers.Add(SignatureHeaders.RequestTimestamp, timestamp);
        request.Headers.Add(SignatureHeaders.Signature, Signature.Compute(secretKey, new SignatureInput(clientId, requestId, timestamp, path, bytes)));
        using var response = await gateway.Http.SendAsync(request);
        var result = await ApiResponse.ReadAsync(response, path);
        // Every store answer is signed with the acquirer's credentials.
        var input = new SignatureInput(clientId, requestId, result.Headers["Response-Timestamp"], path, result.Bytes, IsResponse: true);
        Assert.True(Signature.Verify(secretKey, input, result.Headers["Signature"]), "store response signature does not verify");
        return result;
    }
}
