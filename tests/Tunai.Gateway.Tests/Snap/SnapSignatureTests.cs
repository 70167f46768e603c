using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Signing;

namespace Tunai.Gateway.Tests.Snap;

/// <summary>One gateway, one SNAP merchant and its token for the signed-transaction tests.</summary>
public sealed class SnapGateway : IAsyncLifetime
{
    public GatewayHost Gateway { get; private set; } = null!;

    public SnapMerchant Snap { get; private set; } = null!;

    public string Token { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Gateway = await GatewayHost.StartAsync();
        Snap = await SnapMerchant.CreateAsync(Gateway);
        Token = await Snap.TokenAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Snap.Dispose();
        await Gateway.DisposeAsync();
    }
}

/// <summary>Transaction signatures: strict where it matters, lenient where real SNAP clients differ.</summary>
public sealed class SnapSignatureTests(SnapGateway fixture) : IClassFixture<SnapGateway>
{
    private SnapMerchant Snap => fixture.Snap;

    private string Token => fixture.Token;

    private Task<SnapResponse> Create(string body, string? signedBody = null, string? timestamp = null, Action<HttpRequestMessage>? tamper = null) =>
        Snap.SendAsync(HttpMethod.Post, SnapMerchant.CreatePath, body, Token, signedBody: signedBody, timestamp: timestamp, tamper: tamper);

    [Fact]
    public void TheStringToSignAndSignatureMatchAnIndependentComputation()
    {
        // echo -n '{"a":1}' | sha256sum → 015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862
        Assert.Equal("015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862", SnapSignature.BodyHash("{\"a\":1}"u8));
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", SnapSignature.BodyHash([]));
        var stringToSign = SnapSignature.TransactionStringToSign("post", "/v1.0/transfer-va/status", "tok",
            SnapSignature.BodyHash("{\"a\":1}"u8), "2026-12-07T11:43:40+07:00");
        Assert.Equal("POST:/v1.0/transfer-va/status:tok:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862:2026-12-07T11:43:40+07:00", stringToSign);
        // printf '%s' "$stringToSign" | openssl dgst -sha512 -hmac secret -binary | base64
        using var hmac = new System.Security.Cryptography.HMACSHA512(Encoding.UTF8.GetBytes("secret"));
        Assert.Equal(Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(stringToSign))), SnapSignature.SignTransaction("secret", stringToSign));
    }

    [Fact]
    public async Task TheRawBodyHashIsAccepted()
    {
        (await Create(Snap.CreateBody().ToJsonString())).AssertCode("2002700");
    }

    [Fact]
    public async Task ASpacedBodySignedCompactIsAccepted()
    {
        // Python's SDK hashes json.dumps(separators=(',',':')) but sends requests' spaced JSON.
        var compact = Snap.CreateBody().ToJsonString();
        var spaced = compact.Replace("\",\"", "\", \"", StringComparison.Ordinal).Replace("\":", "\": ", StringComparison.Ordinal);
        Assert.NotEqual(compact, spaced);

        (await Create(spaced, signedBody: compact)).AssertCode("2002700");
    }

    [Fact]
    public async Task AnEscapedBodySignedWithMinimalEscapingIsAccepted()
    {
        // PHP sends json_encode's \/ and \uXXXX but hashes the body re-encoded unescaped.
        var body = Snap.CreateBody();
        body["virtualAccountName"] = "José / Toko+";
        var minimal = "{" + string.Join(",", body.Select(p => $"\"{p.Key}\":{(p.Value is null ? "null" : Minimal(p.Value))}")) + "}";
        var escaped = minimal.Replace("/", "\\/", StringComparison.Ordinal).Replace("é", "\\u00e9", StringComparison.Ordinal);
        Assert.NotEqual(minimal, escaped);

        var response = await Create(escaped, signedBody: minimal);

        response.AssertCode("2002700");
        Assert.Equal("José / Toko+", (string)response.Json["virtualAccountData"]!["virtualAccountName"]!);

        static string Minimal(JsonNode node)
        {
            using var document = System.Text.Json.JsonDocument.Parse(node.ToJsonString());
            return SnapJson.Write(document.RootElement);
        }
    }

    [Fact]
    public async Task ASignatureOverAnotherBodyIsRefusedWithTheStringSigned()
    {
        var body = Snap.CreateBody().ToJsonString();

        var response = await Create(body, signedBody: body.Replace("150000.00", "1.00", StringComparison.Ordinal));

        response.AssertCode("4012700");
        var stringToSign = (string)response.Json["stringToSign"]!;
        Assert.StartsWith($"POST:{SnapMerchant.CreatePath}:{Token}:{SnapSignature.BodyHash(Encoding.UTF8.GetBytes(body))}:", stringToSign);
        Assert.DoesNotContain(Snap.Merchant.SecretKey, response.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("+07:00", false)]
    [InlineData("Z", false)]
    [InlineData("-00:00", false)]
    [InlineData("+05:30", true)]
    [InlineData("Z", true)]
    public async Task TimestampsWithAnyOffsetAndWithOrWithoutMillisecondsAreAccepted(string zone, bool milliseconds)
    {
        var now = fixture.Gateway.Time.GetUtcNow();
        var offset = zone switch { "Z" or "-00:00" => TimeSpan.Zero, _ => TimeSpan.Parse(zone.TrimStart('+'), System.Globalization.CultureInfo.InvariantCulture) };
        var local = now.ToOffset(offset);
        var timestamp = local.ToString(milliseconds ? "yyyy-MM-dd'T'HH:mm:ss.fff" : "yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + zone;

        (await Create(Snap.CreateBody().ToJsonString(), timestamp: timestamp)).AssertCode("2002700");
    }

    [Fact]
    public async Task ATimestampOutsideTheWindowOrWithoutAZoneIsRefused()
    {
        var late = SnapSignature.FormatTimestamp(fixture.Gateway.Time.GetUtcNow().AddMinutes(-30).ToOffset(TimeSpan.FromHours(7)));
        (await Create(Snap.CreateBody().ToJsonString(), timestamp: late)).AssertCode("4012700");

        // UTC labelled +07:00: the sandbox names the likely mistake.
        var mislabelled = fixture.Gateway.Time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + "+07:00";
        var skewed = await Create(Snap.CreateBody().ToJsonString(), timestamp: mislabelled);
        skewed.AssertCode("4012700");
        Assert.Contains("7 h", (string)skewed.Json["responseMessage"]!, StringComparison.Ordinal);

        var zoneless = fixture.Gateway.Time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        (await Create(Snap.CreateBody().ToJsonString(), timestamp: zoneless)).AssertCode("4002701");
    }

    [Fact]
    public async Task ADuplicateJsonKeyIsRefused()
    {
        var body = Snap.CreateBody().ToJsonString();
        var duplicated = body[..^1] + ",\"trxId\":\"INV-OTHER\"}";

        (await Create(duplicated)).AssertCode("4002700");
    }

    [Fact]
    public async Task HeadersAreCheckedWithTheirCodes()
    {
        var body = Snap.CreateBody().ToJsonString();
        (await Create(body, tamper: r => r.Headers.Remove(SnapHeaders.ExternalId))).AssertCode("4002702");
        (await Create(body, tamper: r => r.Headers.Remove(SnapHeaders.ChannelId))).AssertCode("4002702");
        (await Create(body, tamper: r =>
        {
            r.Headers.Remove(SnapHeaders.ExternalId);
            r.Headers.Add(SnapHeaders.ExternalId, new string('7', 65));
        })).AssertCode("4002701");
        (await Create(body, tamper: r => r.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-a-token"))).AssertCode("4012701");
        (await Create(body, tamper: r =>
        {
            r.Headers.Remove(SnapHeaders.PartnerId);
            r.Headers.Add(SnapHeaders.PartnerId, "MCH-SOMEONE-ELSE");
        })).AssertCode("4012700");
    }

    [Fact]
    public async Task ATokenOfAnotherMerchantIsRefused()
    {
        using var other = await SnapMerchant.CreateAsync(fixture.Gateway);
        var otherToken = await other.TokenAsync();

        (await Snap.SendAsync(HttpMethod.Post, SnapMerchant.CreatePath, Snap.CreateBody().ToJsonString(), otherToken)).AssertCode("4012700");
    }

    [Fact]
    public async Task ARepeatedExternalIdReplaysTheAnswerAndAnotherBodyIsAConflict()
    {
        var externalId = Guid.NewGuid() + "-" + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var body = Snap.CreateBody().ToJsonString();

        var first = await Snap.SendAsync(HttpMethod.Post, SnapMerchant.CreatePath, body, Token, externalId);
        first.AssertCode("2002700");
        var again = await Snap.SendAsync(HttpMethod.Post, SnapMerchant.CreatePath, body, Token, externalId);

        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Equal("true", again.Headers["Tunai-Replayed"]);
        Assert.Equal(first.Body, again.Body);
        var code = Snap.Merchant.CodePrefix + (string)first.Json["virtualAccountData"]!["customerNo"]!;
        Assert.Equal(1, await fixture.Gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE code = $c", ("$c", code)));

        var other = await Snap.SendAsync(HttpMethod.Post, SnapMerchant.CreatePath, Snap.CreateBody().ToJsonString(), Token, externalId);
        other.AssertCode("4092700");
    }

    [Fact]
    public async Task ProductionNeverShowsTheStringSigned()
    {
        await using var production = await GatewayHost.StartAsync(null, "Tunai:Mode=Production", "Tunai:PublicBaseUrl=https://pay.example.test");
        using var snap = await SnapMerchant.CreateAsync(production);
        var token = await snap.TokenAsync();
        var body = snap.CreateBody().ToJsonString();

        var response = await snap.SendAsync(HttpMethod.Post, SnapMerchant.CreatePath, body, token, signedBody: "{}");

        response.AssertCode("4012700");
        Assert.Null(response.Json["stringToSign"]);
    }
}
