using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Tunai.Gateway.Startup;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Signing;

namespace Tunai.Gateway.Tests.Snap;

/// <summary>The sandbox merchant speaks SNAP from its first start: its key pair is made, its private key left in data/.</summary>
public sealed class SandboxSnapKeyTests
{
    private static string Variable(string envFile, string name)
    {
        var line = File.ReadLines(envFile).Single(l => l.StartsWith($"export {name}=", StringComparison.Ordinal));
        return line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..];
    }

    [Fact]
    public async Task TheSandboxMerchantGetsAKeyPairWhosePrivateKeyObtainsAToken()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var envFile = TestDatabase.UsePostgres ? Path.GetFullPath(Path.Combine("data", "sandbox.env")) : Path.Combine(gateway.Folder, "sandbox.env");
        var clientId = Variable(envFile, "TUNAI_CLIENT_ID");
        if (TestDatabase.UsePostgres)
        {
            // ./data is shared by every gateway of a PostgreSQL run: this gateway's merchant is the one to check.
            clientId = (string)(await gateway.RowAsync("SELECT value FROM gateway_settings WHERE key = 'sandbox_client_id'"))["value"]!;
        }
        var privateFile = Variable(envFile, SandboxSnapKeys.PrivateKeyVariable);
        var gatewayFile = Variable(envFile, SandboxSnapKeys.GatewayPublicKeyVariable);

        Assert.Equal(Path.GetDirectoryName(envFile), Path.GetDirectoryName(privateFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(privateFile));
        }
        if (TestDatabase.UsePostgres)
        {
            // The shared ./data holds whichever gateway of the run wrote last (each has a database, and a key pair, of
            // its own): the file is a public key, but not necessarily this gateway's.
            using var written = RSA.Create();
            written.ImportFromPem(File.ReadAllText(gatewayFile));
            return;
        }
        Assert.Equal((await gateway.Http.GetStringAsync("/snap/public-key")).Trim(), File.ReadAllText(gatewayFile).Trim());
        // The private key in data/ is the one the merchant's registered public key verifies: it obtains a token.
        using var key = RSA.Create();
        key.ImportFromPem(File.ReadAllText(privateFile));
        var timestamp = SnapSignature.FormatTimestamp(gateway.Time.GetUtcNow().ToOffset(TimeSpan.FromHours(7)));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1.0/access-token/b2b")
        {
            Content = new StringContent("""{"grantType":"client_credentials"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(SnapHeaders.ClientKey, clientId);
        request.Headers.Add(SnapHeaders.Timestamp, timestamp);
        request.Headers.Add(SnapHeaders.Signature, SnapSignature.SignToken(key, clientId, timestamp));
        using var response = await gateway.Http.SendAsync(request);
        Assert.Equal("2007300", (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["responseCode"]!);
    }
}
