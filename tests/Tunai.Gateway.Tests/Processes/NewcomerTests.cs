using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Tunai.Gateway.Tests.Processes;

/// <summary>What a newcomer does first: start the gateway in an empty folder and call it with curl and openssl.</summary>
[Collection(nameof(GatewayProcess))]
public sealed class NewcomerTests
{
    [Fact]
    public async Task WithPrintingTurnedOffTheCredentialsAreOnlyInTheFile()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        using var gateway = GatewayProcess.Start(folder.Path, ["--Tunai:PrintSandboxCredentials=false"]);
        await gateway.WaitUntilReadyAsync(ct);

        // Ready means listening, which comes after the banner would have been printed.
        var env = gateway.SandboxEnv();
        Assert.DoesNotContain(env["TUNAI_SECRET_KEY"], gateway.Output(), StringComparison.Ordinal);
        Assert.DoesNotContain(env["TUNAI_ADMIN_TOKEN"], gateway.Output(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FirstStartPrintsSandboxCredentialsAndCurlCanCreateACode()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        using var gateway = GatewayProcess.Start(folder.Path);
        await gateway.WaitUntilReadyAsync(ct);

        // The database defaults to ./data/tunai.db, and the credentials land beside it.
        Assert.True(File.Exists(Path.Combine(folder.Path, "data", "tunai.db")), gateway.Output());
        Assert.True(File.Exists(Path.Combine(folder.Path, "data", "sandbox.env")), gateway.Output());
        var env = gateway.SandboxEnv();
        var stdout = await gateway.WaitForOutputAsync(o => o.Contains("Admin token", StringComparison.Ordinal), ct);
        Assert.Matches($@"Client-Id\s+{Regex.Escape(env["TUNAI_CLIENT_ID"])}\n", stdout);
        Assert.Matches($@"Secret key\s+{Regex.Escape(env["TUNAI_SECRET_KEY"])}\n", stdout);
        Assert.Matches($@"Code prefix\s+{Regex.Escape(env["TUNAI_CODE_PREFIX"])}\n", stdout);
        Assert.Matches($@"Admin token\s+{Regex.Escape(env["TUNAI_ADMIN_TOKEN"])}\n", stdout);
        // A sandbox does not call itself Production in its log.
        Assert.Contains("Hosting environment: Sandbox", stdout, StringComparison.Ordinal);

        // The very script the README shows: only curl and openssl, credentials from data/sandbox.env.
        var (exitCode, body, stderr) = await GatewayProcess.RunAsync(
            GatewayProcess.Command("bash", folder.Path, ["-c", "\"$0\" \"$1\"", Script, gateway.BaseAddress.ToString().TrimEnd('/')]), ct);
        Assert.True(exitCode == 0, $"script exited with {exitCode}\n{body}\n{stderr}");
        Assert.Contains("HTTP 200", stderr, StringComparison.Ordinal);
        var info = JsonNode.Parse(body)!["online_to_offline_info"]!;
        var code = (string)info["payment_code"]!;
        Assert.StartsWith(env["TUNAI_CODE_PREFIX"], code, StringComparison.Ordinal);

        var page = new Uri((string)info["how_to_pay_page"]!);
        var (curlExit, status, curlError) = await GatewayProcess.RunAsync(
            GatewayProcess.Command("curl", folder.Path, ["-sS", "-o", "/dev/null", "-w", "%{http_code}", page.ToString()]), ct);
        Assert.True(curlExit == 0, curlError);
        if (status != "200")
        {
            // The how-to-pay pages are served by another feature; until it is there, the URL must still have
            // the provider's shape: /how-to-pay/v2/<channel>/<code>/<token>.
            Assert.Equal("404", status);
            Assert.Matches($"^/how-to-pay/v2/alfa-online-to-offline/{code}/[A-Za-z0-9_-]{{16,}}$", page.AbsolutePath);
        }
    }

    /// <summary>scripts/create-payment-code.sh of this repository, found by walking up from the test assembly.</summary>
    private static string Script
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Tunai.slnx")))
                {
                    return Path.Combine(dir.FullName, "scripts", "create-payment-code.sh");
                }
            }
            throw new FileNotFoundException("Tunai.slnx not found above " + AppContext.BaseDirectory);
        }
    }
}
