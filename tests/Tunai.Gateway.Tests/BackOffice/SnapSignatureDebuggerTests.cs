using System.Net;
using System.Security.Cryptography;
using System.Text;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.BackOffice;

/// <summary>The back office's signature debugger explains SNAP signatures: the token's RSA string and the transaction's HMAC string.</summary>
public sealed class SnapSignatureDebuggerTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;
    private BackOfficeHttp _client = null!;

    public async ValueTask InitializeAsync()
    {
        _gateway = await GatewayHost.StartAsync();
        _client = new BackOfficeHttp(_gateway);
        Assert.Equal(HttpStatusCode.Redirect, (await _client.SignInAsync(await BackOfficeAccounts.AddAsync(_gateway, Roles.Admin), BackOfficeAccounts.Password)).Status);
        await _client.GetAsync("/backoffice/sandbox/signature");
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _gateway.DisposeAsync();
    }

    private Task<(HttpStatusCode Status, string Body, Uri? Location)> DebugAsync(params KeyValuePair<string, string>[] fields) =>
        _client.PostAsync("/backoffice/sandbox/signature", "debug", fields);

    [Fact]
    public async Task ATokenRequestIsExplainedAsRsaOverClientIdAndTimestamp()
    {
        using var rsa = RSA.Create(2048);
        const string ts = "2026-12-07T11:43:40+07:00";
        // Made with the standard's rule directly, not with Tunai.Signing.
        var signature = Convert.ToBase64String(rsa.SignData(Encoding.UTF8.GetBytes("MCH-1|" + ts), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        var good = await DebugAsync(new("Headers", $"X-CLIENT-KEY: MCH-1\nX-TIMESTAMP: {ts}\nX-SIGNATURE: {signature}"),
            new("Target", "/v1.0/access-token/b2b"), new("Pem", rsa.ExportSubjectPublicKeyInfoPem()));
        var bad = await DebugAsync(new("Headers", $"X-CLIENT-KEY: MCH-2\nX-TIMESTAMP: {ts}\nX-SIGNATURE: {signature}"),
            new("Target", "/v1.0/access-token/b2b"), new("Pem", rsa.ExportSubjectPublicKeyInfoPem()));

        Assert.Contains("MCH-1|2026-12-07T11:43:40+07:00", WebUtility.HtmlDecode(good.Body), StringComparison.Ordinal);
        Assert.Contains("The signature matches.", WebUtility.HtmlDecode(good.Body), StringComparison.Ordinal);
        Assert.Contains("The signature does not match.", WebUtility.HtmlDecode(bad.Body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATransactionIsExplainedAsTheHmacStringAndTheDifferingPartIsNamed()
    {
        const string secret = "SK-debugger-0123456789";
        const string ts = "2026-12-07T11:43:40+07:00";
        const string body = """{"partnerServiceId":"    8896"}""";
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(body))).ToLowerInvariant();
        var expected = $"PUT:/v1.0/transfer-va/update-va:tok-1:{hash}:{ts}";
        var signature = Convert.ToBase64String(HMACSHA512.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(expected)));
        var headers = $"Authorization: Bearer tok-1\nX-PARTNER-ID: MCH-1\nX-TIMESTAMP: {ts}\nX-SIGNATURE: {signature}";

        var good = await DebugAsync(new("Headers", headers), new("Target", "PUT /v1.0/transfer-va/update-va"), new("Body", body), new("Secret", secret));
        var wrongPath = await DebugAsync(new("Headers", headers), new("Target", "PUT /v1.0/transfer-va/update-va"), new("Body", body), new("Secret", secret),
            new("Theirs", $"PUT:/v1.1/transfer-va/update-va:tok-1:{hash}:{ts}"));

        Assert.Contains(expected, WebUtility.HtmlDecode(good.Body), StringComparison.Ordinal);
        Assert.Contains("The signature matches.", WebUtility.HtmlDecode(good.Body), StringComparison.Ordinal);
        Assert.Contains("The path part differs", WebUtility.HtmlDecode(wrongPath.Body), StringComparison.Ordinal);
    }
}
