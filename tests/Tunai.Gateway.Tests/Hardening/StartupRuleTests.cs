using System.Net;
using System.Net.Sockets;
using Tunai.Gateway.Tests.Processes;

namespace Tunai.Gateway.Tests.Hardening;

/// <summary>Careless configurations a real gateway process refuses to start with, and the deliberate ones it accepts.</summary>
[Collection(nameof(GatewayProcess))]
public sealed class StartupRuleTests
{
    private const string StrongToken = "Zq3-Lw8_Rt2vNb7xKp4mYc9hGd5sFj6a";
    private const string ProductionBaseUrl = "--Tunai:PublicBaseUrl=https://pay.example.com";

    private static async Task<string> RefusalAsync(params string[] args)
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        using var gateway = GatewayProcess.Start(folder.Path, args);
        var exitCode = await gateway.WaitForExitAsync(ct);
        Assert.True(exitCode == 1, $"exit code {exitCode}\n{gateway.Output()}");
        Assert.StartsWith("tunai: configuration error:", gateway.StandardError, StringComparison.Ordinal);
        return gateway.StandardError;
    }

    /// <summary>A signature is accepted up to 2 x 5 min after signing; a Request-Id swept after 9 min could run twice.</summary>
    [Fact]
    public async Task ARequestIdForgottenWhileItsSignatureIsStillAcceptedRefusesToStart()
    {
        var error = await RefusalAsync("--Tunai:MerchantApi:IdempotencyRetention=00:09:59");

        Assert.Contains("IdempotencyRetention", error, StringComparison.Ordinal);
        Assert.Contains("twice", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("abcabcabcabcabcabcabcabcabcabcabcabcabc")]
    [InlineData("0123456789012345678901234567890")] // 31 characters
    [InlineData("changeme-changeme-changeme-changeme")]
    public async Task AWeakAdminTokenInProductionRefusesToStart(string token)
    {
        var error = await RefusalAsync("--Tunai:Mode=Production", $"--Tunai:AdminToken={token}", ProductionBaseUrl);

        Assert.Contains("Tunai:AdminToken must be at least 32 characters", error, StringComparison.Ordinal);
        Assert.DoesNotContain(token, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AForgottenModeOnAPublicAddressRefusesToStart()
    {
        var error = await RefusalAsync("--urls", $"http://0.0.0.0:{FreePort()}");

        Assert.Contains("Tunai:Mode is not set", error, StringComparison.Ordinal);
        Assert.Contains("0.0.0.0", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AForgottenModeWithAKestrelEndpointOnEveryInterfaceRefusesToStart()
    {
        var error = await RefusalAsync($"--Kestrel:Endpoints:Public:Url=http://*:{FreePort()}");

        Assert.Contains("Tunai:Mode is not set", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASandboxOnAPublicAddressStartsWhenChosenDeliberately()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        var url = $"http://0.0.0.0:{FreePort()}";
        using var gateway = GatewayProcess.Start(folder.Path, "--urls", url, "--Tunai:Mode=Sandbox", "--Tunai:PrintSandboxCredentials=false");

        await gateway.WaitForOutputAsync(o => o.Contains($"Now listening on: {url}", StringComparison.Ordinal), ct);

        Assert.True(File.Exists(Path.Combine(folder.Path, "data", "sandbox.env")), gateway.Output());
    }

    [Fact]
    public async Task AnHttpPublicBaseUrlInProductionRefusesToStart()
    {
        var error = await RefusalAsync("--Tunai:Mode=Production", $"--Tunai:AdminToken={StrongToken}", "--Tunai:PublicBaseUrl=http://pay.example.com");

        Assert.Contains("Tunai:PublicBaseUrl must be https", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnHttpPublicBaseUrlOnAPrivateNetworkStartsWhenAllowedExplicitly()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        using var gateway = GatewayProcess.Start(folder.Path, "--Tunai:Mode=Production", $"--Tunai:AdminToken={StrongToken}",
            "--Tunai:PublicBaseUrl=http://tunai.internal", "--Tunai:AllowPlainHttp=true", $"--Tunai:Secrets:MasterKey={GatewayProcess.MasterKey}");

        await gateway.WaitUntilReadyAsync(ct);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
