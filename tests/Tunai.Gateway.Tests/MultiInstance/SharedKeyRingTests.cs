using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Processes;

namespace Tunai.Gateway.Tests.MultiInstance;

/// <summary>
/// Two instances on two folders and no shared key folder, started at the same moment on a fresh PostgreSQL
/// database with the same master key: both come up, and each opens the secrets the other sealed. Skipped without a
/// PostgreSQL server (a failure under TUNAI_REQUIRE_ALL=1).
/// </summary>
[Collection(nameof(GatewayProcess))]
public sealed class SharedKeyRingTests
{
    private const string AdminToken = "shared-key-ring-admin-token-0123456789";
    private const int Rounds = 10;

    [Fact]
    public async Task TwoInstancesWithNoSharedFolderStartTogetherAndOpenWhatTheOtherSealed()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var round = 1; round <= Rounds; round++)
        {
            await using var database = await TestDatabase.CreatePostgresAsync();
            string[] args =
            [
                .. database.Settings.Select(s => "--" + s),
                "--Tunai:Mode=Production", $"--Tunai:AdminToken={AdminToken}", "--Tunai:PublicBaseUrl=https://pay.example.com",
                "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
            ];
            using TempFolder folderA = new(), folderB = new();
            using var a = GatewayProcess.Start(folderA.Path, args);
            using var b = GatewayProcess.Start(folderB.Path, args);
            await Task.WhenAll(a.WaitUntilReadyAsync(ct), b.WaitUntilReadyAsync(ct));

            foreach (var (sealer, opener) in new[] { (a, b), (b, a) })
            {
                var (clientId, secret) = await CreateMerchantAsync(sealer);
                using var http = new HttpClient { BaseAddress = opener.BaseAddress };
                var answer = await SignedHttp.PostJsonAsync(http, clientId, secret, TestMerchant.CreatePath,
                    JsonSerializer.Serialize(TestMerchant.ValidCreate()));
                Assert.True(answer.Status == HttpStatusCode.OK, $"round {round}: {answer.Status} {answer.Body}\n{sealer.Output()}\n{opener.Output()}");
            }
            foreach (var gateway in new[] { a, b })
            {
                Assert.DoesNotContain("No XML encryptor configured", gateway.Output(), StringComparison.Ordinal);
                Assert.False(Directory.Exists(Path.Combine(gateway.Folder, "data", "keys")), "a key ring folder was written");
            }
        }
    }

    private static async Task<(string ClientId, string Secret)> CreateMerchantAsync(GatewayProcess gateway)
    {
        using var admin = new HttpClient { BaseAddress = gateway.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
        using var response = await admin.PostAsJsonAsync("/admin/v1/merchants", new { name = "Toko" });
        var json = GatewayHost.Json(await response.Content.ReadAsStringAsync());
        Assert.True(response.StatusCode == HttpStatusCode.Created, json.ToJsonString());
        return ((string)json["client_id"]!, (string)json["secret_key"]!);
    }
}
