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
