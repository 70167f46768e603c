using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Snap;

public sealed class SnapTokenTests
{
    [Fact]
    public async Task AValidRequestGetsABearerTokenForNineHundredSecondsAsANumber()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var snap = await SnapMerchant.CreateAsync(gateway);

        foreach (var path in new[] { SnapMerchant.TokenPath, "/v1.0/access-token/b2b" })
        {
            var response = await snap.TokenRawAsync(path: path);

            response.AssertCode("2007300");
            Assert.Equal("Successful", (string)response.Json["responseMessage"]!);
            Assert.Equal("Bearer", (string)response.Json["tokenType"]!);
            Assert.Equal(System.Text.Json.JsonValueKind.Number, response.Json["expiresIn"]!.GetValueKind());
            Assert.Equal(900, (int)response.Json["expiresIn"]!);
            Assert.True(((string)response.Json["accessToken"]!).Length >= 32);
        }
    }

    [Fact]
    public async Task TokensAreStoredOnlyAsTheirHash()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var snap = await SnapMerchant.CreateAsync(gateway);
        var token = await snap.TokenAsync();

        Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM snap_tokens WHERE token_hash = $t", ("$t", token)));
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM snap_tokens WHERE token_hash = $t",
            ("$t", Tunai.Gateway.Snap.SnapTokens.Hash(token))));
    }

    [Fact]
    public async Task ASignatureByAnotherKeyIsRefused()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var snap = await SnapMerchant.CreateAsync(gateway);
        using var other = RSA.Create(2048);

        var response = await snap.TokenRawAsync(key: other);

        response.AssertCode("4017300");
        Assert.Null(response.Json["accessToken"]);
    }

    [Fact]
    public async Task AnUnknownClientIsRefused()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var snap = await SnapMerchant.CreateAsync(gateway);

        (await snap.TokenRawAsync(clientId: "MCH-UNKNOWN-0001")).AssertCode("4017300");
    }

    [Fact]
    public async Task AMerchantWithoutARegisteredKeyIsRefused()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var plain = await gateway.CreateMerchantAsync();
        using var snap = new SnapMerchant(plain, RSA.Create(2048));

        (await snap.TokenRawAsync()).AssertCode("4017300");
    }

    [Fact]
    public async Task AStaleTimestampIsRefused()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var snap = await SnapMerchant.CreateAsync(gateway);
        var stale = Tunai.Signing.SnapSignature.FormatTimestamp(gateway.Time.GetUtcNow().AddMinutes(-20).ToOffset(TimeSpan.FromHours(7)));

        (await snap.TokenRawAsync(timestamp: stale)).AssertCode("4017300");
    }

    [Fact]
    public async Task MissingAndMalformedFieldsHaveTheirCodes()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var snap = await SnapMerchant.CreateAsync(gateway);

        (await snap.TokenRawAsync(body: "{}")).AssertCode("4007302");
        (await snap.TokenRawAsync(body: """{"grantType":"password"}""")).AssertCode("4007301");
        (await snap.TokenRawAsync(timestamp: "07-12-2026 11:43")).AssertCode("4007301");

        using var request = new HttpRequestMessage(HttpMethod.Post, SnapMerchant.TokenPath)
        {
            Content = JsonContent.Create(new { grantType = "client_credentials" }),
        };
        request.Headers.Add("X-TIMESTAMP", snap.Now());
        request.Headers.Add("X-SIGNATURE", "AAAA");
        (await SnapResponse.ReadAsync(await gateway.Http.SendAsync(request))).AssertCode("4007302");
    }

    [Fact]
    public async Task TwoTokensIssuedAtOnceAreBothValid()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var snap = await SnapMerchant.CreateAsync(gateway);

        var tokens = await Task.WhenAll(snap.TokenAsync(), snap.TokenAsync());

        Assert.NotEqual(tokens[0], tokens[1]);
        foreach (var token in tokens)
        {
            var (code, _) = await snap.CreateCodeAsync(token);
            Assert.StartsWith(snap.Merchant.CodePrefix, code, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ATokenStaysValidWhileUsedAndExpiresNineHundredSecondsAfterItsLastUse()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var snap = await SnapMerchant.CreateAsync(gateway);
        var token = await snap.TokenAsync();
        var (code, _) = await snap.CreateCodeAsync(token);

        // Used every 600 s for an hour: alive long past 900 s after it was issued.
        for (var i = 0; i < 6; i++)
        {
            gateway.Time.Advance(TimeSpan.FromSeconds(600));
            var alive = await snap.SendAsync(HttpMethod.Post, SnapMerchant.StatusPath, snap.KeyBody(code).ToJsonString(), token);
            alive.AssertCode("2002600");
        }
        gateway.Time.Advance(TimeSpan.FromSeconds(901));
        var expired = await snap.SendAsync(HttpMethod.Post, SnapMerchant.StatusPath, snap.KeyBody(code).ToJsonString(), token);
        expired.AssertCode("4012601");
    }

    [Fact]
    public async Task TheAdminApiAcceptsOnlyAnRsaPublicKeyOfAtLeast2048Bits()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await gateway.CreateMerchantAsync();
        using var small = RSA.Create(1024);
        using var good = RSA.Create(2048);
        using var ec = ECDsa.Create();
        var path = $"/admin/v1/merchants/{merchant.ClientId}";

        foreach (var bad in new[] { small.ExportSubjectPublicKeyInfoPem(), good.ExportPkcs8PrivateKeyPem(), good.ExportRSAPrivateKeyPem(),
                     ec.ExportSubjectPublicKeyInfoPem(), "not a key" })
        {
            var response = await gateway.Admin.PatchAsJsonAsync(path, new { snap_public_key = bad });
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
            Assert.Contains("snap_public_key", body, StringComparison.Ordinal);
        }
        // This merchant's row only: the sandbox merchant has a key of its own from the first start.
        Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM merchants WHERE snap_public_key IS NOT NULL AND client_id = @c", ("c", merchant.ClientId)));

        foreach (var pem in new[] { good.ExportSubjectPublicKeyInfoPem(), good.ExportRSAPublicKeyPem() })
        {
            var accepted = await gateway.Admin.PatchAsJsonAsync(path, new { snap_public_key = pem });
            Assert.True(accepted.StatusCode == HttpStatusCode.OK, await accepted.Content.ReadAsStringAsync());
            Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM merchants WHERE snap_public_key IS NOT NULL AND client_id = @c", ("c", merchant.ClientId)));
        }
    }
}
