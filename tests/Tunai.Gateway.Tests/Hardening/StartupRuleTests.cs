using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;
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
    // 32 characters or more of 10 different ones: accepted while only length and variety were counted.
    [InlineData("01234567890123456789012345678901")]
    [InlineData("7294016385729401638572940163857294")]
    [InlineData("prod-admin-token-0123456789abcdef")]
    public async Task AWeakAdminTokenInProductionRefusesToStart(string token)
    {
        var error = await RefusalAsync("--Tunai:Mode=Production", $"--Tunai:AdminToken={token}", ProductionBaseUrl);

        Assert.Contains("Tunai:AdminToken must be at least 32 characters", error, StringComparison.Ordinal);
        Assert.DoesNotContain(token, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AForgottenModeOnAPublicAddressRefusesToStart()
    {
        var error = await RefusalAsync("--urls", "http://0.0.0.0:0");

        Assert.Contains("Tunai:Mode is not set", error, StringComparison.Ordinal);
        Assert.Contains("0.0.0.0", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AForgottenModeWithAKestrelEndpointOnEveryInterfaceRefusesToStart()
    {
        var error = await RefusalAsync("--Kestrel:Endpoints:Public:Url=http://*:0");

        Assert.Contains("Tunai:Mode is not set", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASandboxOnAPublicAddressStartsWhenChosenDeliberately()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        // Port 0: the system picks a free one as the gateway binds it.
        using var gateway = GatewayProcess.Start(folder.Path, "--urls", "http://0.0.0.0:0", "--Tunai:Mode=Sandbox", "--Tunai:PrintSandboxCredentials=false");

        await gateway.WaitForOutputAsync(o => o.Contains("Now listening on: http://0.0.0.0:", StringComparison.Ordinal), ct);

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

        // Started, in Production, and the http base URL is the one it hands out in a code's links.
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        using var ready = await http.GetAsync("/readyz", ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
        using var admin = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/merchants") { Content = JsonContent.Create(new { name = "Toko Internal" }) };
        admin.Headers.Authorization = new AuthenticationHeaderValue("Bearer", StrongToken);
        using var created = await http.SendAsync(admin, ct);
        var merchant = JsonNode.Parse(await created.Content.ReadAsStringAsync(ct))!;
        Assert.True(created.StatusCode == System.Net.HttpStatusCode.Created, merchant.ToJsonString());
        var code = await SignedHttp.SendAsync(http, (string)merchant["client_id"]!, (string)merchant["secret_key"]!, HttpMethod.Post,
            TestMerchant.CreatePath, JsonSerializer.SerializeToUtf8Bytes(TestMerchant.ValidCreate()));
        Assert.True(code.Status == System.Net.HttpStatusCode.OK, code.Body);
        Assert.StartsWith("http://tunai.internal/how-to-pay/", (string)code.Json["online_to_offline_info"]!["how_to_pay_page"]!, StringComparison.Ordinal);
    }
}
