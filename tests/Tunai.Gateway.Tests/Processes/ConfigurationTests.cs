using System.Net;
using System.Net.Http.Headers;
using Microsoft.Data.Sqlite;

namespace Tunai.Gateway.Tests.Processes;

/// <summary>How the gateway process starts, or refuses to, depending on its configuration.</summary>
[Collection(nameof(GatewayProcess))]
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("--Tunai:Mode=Production")]
    [InlineData("--Tunai:Mode=Nonsense")]
    [InlineData("--Tunai:MerchantApi:TimestampTolerance=-00:00:05")]
    public async Task BadConfigurationExitsWithOneLineAndCode1(string setting)
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        using var gateway = GatewayProcess.Start(folder.Path, setting);

        var exitCode = await gateway.WaitForExitAsync(ct);

        Assert.True(exitCode == 1, $"exit code {exitCode}\n{gateway.Output()}");
        var lines = gateway.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr\n{gateway.Output()}");
        Assert.StartsWith("tunai: configuration error:", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", gateway.Output(), StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", gateway.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProductionModeSeedsNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        const string adminToken = "prod-admin-mukvi67U4uhTUPb6tkBFvI88K7JEVG9H";
        using var folder = new TempFolder();
        using var gateway = GatewayProcess.Start(folder.Path,
            "--Tunai:Mode=Production", $"--Tunai:AdminToken={adminToken}", "--Tunai:PublicBaseUrl=https://pay.example.com",
            $"--Tunai:Secrets:MasterKey={GatewayProcess.MasterKey}");
        await gateway.WaitUntilReadyAsync(ct);

        Assert.DoesNotContain("Secret key", gateway.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Admin token", gateway.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(adminToken, gateway.Output(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder.Path, "data", "sandbox.env")), "sandbox.env written in Production mode");

        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        using var create = await http.PostAsync("/admin/v1/merchants",
            new StringContent("""{"name":"Toko"}""", new MediaTypeHeaderValue("application/json")), ct);
        Assert.Equal(HttpStatusCode.Unauthorized, create.StatusCode);
        using var get = await http.GetAsync("/admin/v1/merchants/anyone", ct);
        Assert.Equal(HttpStatusCode.Unauthorized, get.StatusCode);

        // With the configured token the admin API works, and there is no merchant it did not create.
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var codes = await http.GetAsync("/admin/v1/payment-codes", ct);
        Assert.Equal(HttpStatusCode.OK, codes.StatusCode);
        await using var db = new SqliteConnection($"Data Source={Path.Combine(folder.Path, "data", "tunai.db")};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync(ct);
        await using var count = db.CreateCommand();
        count.CommandText = "SELECT (SELECT COUNT(*) FROM merchants) + (SELECT COUNT(*) FROM gateway_settings WHERE key LIKE 'sandbox%')";
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync(ct))!);
    }
}
