using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Tunai.Signing;

namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>A merchant speaking SNAP: an RSA key pair registered through the admin API, tokens, signed transactions.</summary>
public sealed class SnapMerchant(TestMerchant merchant, RSA privateKey) : IDisposable
{
    public const string TokenPath = "/authorization/v1/access-token/b2b";
    public const string CreatePath = "/virtual-accounts/bi-snap-va/v1.1/transfer-va/create-va";
    public const string UpdatePath = "/virtual-accounts/bi-snap-va/v1.1/transfer-va/update-va";
    public const string DeletePath = "/virtual-accounts/bi-snap-va/v1.1/transfer-va/delete-va";
    public const string StatusPath = "/orders/v1.0/transfer-va/status";

    public TestMerchant Merchant => merchant;

    public RSA PrivateKey => privateKey;

    public GatewayHost Gateway => merchant.Gateway;

    /// <summary>partnerServiceId as the provider's SDK requires it: the prefix left-padded with spaces to 8.</summary>
    public string PartnerServiceId => merchant.CodePrefix.PadLeft(8);

    public static async Task<SnapMerchant> CreateAsync(GatewayHost gateway, TestMerchant? merchant = null)
    {
        merchant ??= await gateway.CreateMerchantAsync(new { name = "Toko SNAP" });
        var rsa = RSA.Create(2048);
        var response = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{merchant.ClientId}",
            new { snap_public_key = rsa.ExportSubjectPublicKeyInfoPem() });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return new SnapMerchant(merchant, rsa);
    }

    /// <summary>The SNAP timestamp of the gateway's clock, as the Node SDK writes it in WIB.</summary>
    public string Now(TimeSpan? offset = null) =>
        SnapSignature.FormatTimestamp(Gateway.Time.GetUtcNow().ToOffset(offset ?? TimeSpan.FromHours(7)));

    public async Task<SnapResponse> TokenRawAsync(string? timestamp = null, string? clientId = null, RSA? key = null,
        string body = """{"grantType":"client_credentials"}""", string path = TokenPath)
    {
        timestamp ??= Now();
        clientId ??= merchant.ClientId;
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(SnapHeaders.ClientKey, clientId);
        request.Headers.Add(SnapHeaders.Timestamp, timestamp);
        request.Headers.Add(SnapHeaders.Signature, SnapSignature.SignToken(key ?? privateKey, clientId, timestamp));
        return await SnapResponse.ReadAsync(await Gateway.Http.SendAsync(request));
    }

    public async Task<string> TokenAsync()
    {
        var response = await TokenRawAsync();
        response.AssertCode("2007300");
        return (string)response.Json["accessToken"]!;
    }

    /// <summary>A signed transaction; <paramref name="signedBody"/> is what the signature hashes when it differs from what is sent.</summary>
    public async Task<SnapResponse> SendAsync(HttpMethod method, string path, string body, string token, string? externalId = null,
        string? timestamp = null, string? signedBody = null, Action<HttpRequestMessage>? tamper = null)
    {
        timestamp ??= Now();
        var (_, signature) = SnapSignature.SignTransaction(merchant.SecretKey, method.Method, path, token,
            Encoding.UTF8.GetBytes(signedBody ?? body), timestamp);
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Content.Headers.ContentType!.CharSet = null;
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        request.Headers.Add(SnapHeaders.PartnerId, merchant.ClientId);
        request.Headers.Add(SnapHeaders.ExternalId, externalId ?? Guid.NewGuid().ToString("N"));
        request.Headers.Add(SnapHeaders.ChannelId, "SDK");
        request.Headers.Add(SnapHeaders.Timestamp, timestamp);
        request.Headers.Add(SnapHeaders.Signature, signature);
        tamper?.Invoke(request);
        return await SnapResponse.ReadAsync(await Gateway.Http.SendAsync(request));
    }

    /// <summary>A create-va body for a DGPC (no customerNo) or, given one, an MGPC.</summary>
    public JsonObject CreateBody(string? customerNo = null, long amount = 150000, string? trxId = null) => new()
    {
        ["partnerServiceId"] = PartnerServiceId,
        ["customerNo"] = customerNo,
        ["virtualAccountNo"] = customerNo is null ? null : PartnerServiceId + customerNo,
        ["virtualAccountName"] = "Anton Budiman",
        ["virtualAccountEmail"] = "anton@example.com",
        ["virtualAccountPhone"] = "081234567890",
        ["trxId"] = trxId ?? "INV-" + Guid.NewGuid().ToString("N")[..20],
        ["totalAmount"] = new JsonObject { ["value"] = $"{amount}.00", ["currency"] = "IDR" },
        ["additionalInfo"] = new JsonObject { ["channel"] = "ALFAMART" },
        ["virtualAccountTrxType"] = "C",
        ["expiredDate"] = SnapSignature.FormatTimestamp(Gateway.Time.GetUtcNow().AddHours(2).ToOffset(TimeSpan.FromHours(7))),
        ["freeText"] = new JsonArray(new JsonObject { ["english"] = "Demo Store", ["indonesia"] = "Toko Demo" }),
    };

    /// <summary>Creates a code over SNAP; its full digits and the answer's virtualAccountData.</summary>
    public async Task<(string Code, JsonNode Data)> CreateCodeAsync(string token, JsonObject? body = null)
    {
        var response = await SendAsync(HttpMethod.Post, CreatePath, (body ?? CreateBody()).ToJsonString(), token);
        response.AssertCode("2002700");
        var data = response.Json["virtualAccountData"]!;
        return (merchant.CodePrefix + (string)data["customerNo"]!, data);
    }

    public JsonObject KeyBody(string code) => new()
    {
        ["partnerServiceId"] = PartnerServiceId,
        ["customerNo"] = code[merchant.CodePrefix.Length..],
        ["virtualAccountNo"] = PartnerServiceId + code[merchant.CodePrefix.Length..],
    };

    public void Dispose() => privateKey.Dispose();
}

public sealed record SnapResponse(HttpStatusCode Status, string Body, Dictionary<string, string> Headers)
{
    public JsonNode Json => GatewayHost.Json(Body);

    public string? Code => Json["responseCode"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static async Task<SnapResponse> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        response.Dispose();
        return new SnapResponse(response.StatusCode, body, headers);
    }

    /// <summary>The responseCode (a string) and an HTTP status equal to its first three digits.</summary>
    public void AssertCode(string responseCode)
    {
        Assert.True(Code == responseCode, $"expected {responseCode}, got HTTP {(int)Status}: {Body}");
        Assert.Equal(int.Parse(responseCode[..3], System.Globalization.CultureInfo.InvariantCulture), (int)Status);
        Assert.False(string.IsNullOrWhiteSpace((string?)Json["responseMessage"]), "responseMessage missing");
    }
}
