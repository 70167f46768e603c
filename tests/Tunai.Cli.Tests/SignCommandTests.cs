using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Cli.Tests;

/// <summary>
/// <c>tunai sign</c> against tests/fixtures/signature-vectors.json, whose signatures were computed by the provider's
/// official Node.js library (jokul-nodejs-library getSignature()).
/// </summary>
public sealed class SignCommandTests
{
    private static SignatureVector FirstVector() => SignatureVectors.All[0];

    private static Task<CliRun> Sign(SignatureVector v, params string[] more) =>
        CliRun.RunAsync(Path.GetTempPath(), TimeProvider.System,
            ["sign", "--client-id", v.ClientId, "--secret-key", v.SecretKey, "--path", v.Target,
             "--request-id", v.RequestId, "--timestamp", v.Timestamp, .. more]);

    [Fact]
    public async Task ReproducesTheFirstVectorExactly()
    {
        var v = FirstVector();

        var run = await Sign(v, "--body", v.Body);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(
            $"Client-Id: {v.ClientId}\nRequest-Id: {v.RequestId}\nRequest-Timestamp: {v.Timestamp}\nSignature: {v.Signature}\n",
            run.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task VerbosePrintsTheStringToSign()
    {
        var v = FirstVector();
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, v.Body, TestContext.Current.CancellationToken);

            var run = await Sign(v, "--body-file", file, "--verbose");

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains($"Signature: {v.Signature}", run.Out, StringComparison.Ordinal);
            // The digest, computed independently: printf '%s' "$body" | openssl dgst -sha256 -binary | base64
            var digest = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(v.Body)));
            Assert.Contains(
                $"Client-Id:{v.ClientId}\nRequest-Id:{v.RequestId}\nRequest-Timestamp:{v.Timestamp}\nRequest-Target:{v.Target}\nDigest:{digest}\n",
                run.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task NoBodySignsWithoutADigestLine()
    {
        var v = FirstVector();

        var run = await Sign(v, "--no-body", "--verbose");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"Request-Target:{v.Target}\n", run.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain("Digest:", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutABodyOrStdinItIsAUsageError()
    {
        var run = await Sign(FirstVector());

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--no-body", run.Error, StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>tunai sign</c> for a path with a space and a non-ASCII letter signs it percent-encoded, as it travels: the
    /// headers it prints, sent as they are to a real gateway for that path, are accepted.
    /// </summary>
    [Fact]
    public async Task SignsAPathWithASpaceAndANonAsciiLetterPercentEncodedAndTheGatewayAcceptsIt()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await gateway.CreateMerchantAsync();
        var invoice = "INV 7 Ñandú " + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal(System.Net.HttpStatusCode.OK, (await merchant.CreateAsync(TestMerchant.ValidCreate(invoice))).Status);

        var run = await CliRun.RunAsync(Path.GetTempPath(), gateway.Time,
            ["sign", "--client-id", merchant.ClientId, "--secret-key", merchant.SecretKey, "--path", "/orders/v1/status/" + invoice, "--no-body", "--verbose"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var encoded = "/orders/v1/status/" + Uri.EscapeDataString(invoice);
        Assert.Contains($"Request-Target:{encoded}", run.Out, StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Get, encoded);
        foreach (var line in run.Out.ReplaceLineEndings("\n").Split('\n').TakeWhile(l => l.Length > 0))
        {
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            request.Headers.Add(line[..colon], line[(colon + 2)..]);
        }
        using var response = await gateway.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, text);
        Assert.Contains(invoice, text, StringComparison.Ordinal);
    }
}

/// <summary><c>tunai sign --snap</c>: headers a real gateway accepts, and the string to sign.</summary>
public sealed class SnapSignCommandTests
{
    private static HttpRequestMessage WithHeaders(HttpRequestMessage request, string output)
    {
        foreach (var line in output.ReplaceLineEndings("\n").Split('\n').TakeWhile(l => l.Length > 0))
        {
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            request.Headers.TryAddWithoutValidation(line[..colon], line[(colon + 2)..]);
        }
        return request;
    }

    [Fact]
    public async Task TheTokenCallAndATransactionSignedByTheCliAreAccepted()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var snap = await SnapMerchant.CreateAsync(gateway);
        var keyFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(keyFile, snap.PrivateKey.ExportPkcs8PrivateKeyPem(), TestContext.Current.CancellationToken);
            var tokenRun = await CliRun.RunAsync(Path.GetTempPath(), gateway.Time,
                ["sign", "--snap", "--client-id", snap.Merchant.ClientId, "--path", SnapMerchant.TokenPath, "--private-key-file", keyFile, "--no-body"]);
            Assert.True(tokenRun.ExitCode == 0, tokenRun.ToString());
            Assert.Contains($"{snap.Merchant.ClientId}|", tokenRun.Out, StringComparison.Ordinal);
            using var tokenRequest = WithHeaders(new HttpRequestMessage(HttpMethod.Post, SnapMerchant.TokenPath)
            {
                Content = new StringContent("""{"grantType":"client_credentials"}""", System.Text.Encoding.UTF8, "application/json"),
            }, tokenRun.Out);
            var token = await SnapResponse.ReadAsync(await gateway.Http.SendAsync(tokenRequest, TestContext.Current.CancellationToken));
            token.AssertCode("2007300");
            var accessToken = (string)token.Json["accessToken"]!;

            var body = snap.CreateBody().ToJsonString();
            var run = await CliRun.RunAsync(Path.GetTempPath(), gateway.Time,
                ["sign", "--snap", "--client-id", snap.Merchant.ClientId, "--secret-key", snap.Merchant.SecretKey,
                 "--path", SnapMerchant.CreatePath, "--token", accessToken, "--body", body]);
            Assert.True(run.ExitCode == 0, run.ToString());
            var hash = Tunai.Signing.SnapSignature.BodyHash(System.Text.Encoding.UTF8.GetBytes(body));
            Assert.Contains($"POST:{SnapMerchant.CreatePath}:{accessToken}:{hash}:", run.Out, StringComparison.Ordinal);
            using var request = WithHeaders(new HttpRequestMessage(HttpMethod.Post, SnapMerchant.CreatePath)
            {
                Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
            }, run.Out);
            (await SnapResponse.ReadAsync(await gateway.Http.SendAsync(request, TestContext.Current.CancellationToken))).AssertCode("2002700");
        }
        finally
        {
            File.Delete(keyFile);
        }
    }
}
