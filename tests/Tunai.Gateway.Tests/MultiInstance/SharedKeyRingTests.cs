using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Processes;

namespace Tunai.Gateway.Tests.MultiInstance;

/// <summary>
/// Two instances on two folders and no shared key folder, started at the same moment on a fresh PostgreSQL
/// database with the same master key: both come up, and each opens the secrets the other sealed (a merchant's key
/// made, and a key rotated, on the other instance). Skipped without a
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

                // A key rotated on one instance (sealed there) signs on the other once its merchant cache has let go
                // of the merchant it read before (ReadCache.Lifetime, 5 s): tried once a second, well under the
                // failed-authentication limits.
                var rotated = await RotateKeyAsync(sealer, clientId);
                ApiResponse signed;
                for (var attempt = 1; ; attempt++)
                {
                    signed = await SignedHttp.PostJsonAsync(http, clientId, rotated, TestMerchant.CreatePath, JsonSerializer.Serialize(TestMerchant.ValidCreate()));
                    if (signed.Status != HttpStatusCode.Unauthorized || attempt == 15)
                    {
                        break;
                    }
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
                Assert.True(signed.Status == HttpStatusCode.OK, $"round {round}: {signed.Status} {signed.Body}\n{sealer.Output()}\n{opener.Output()}");
            }
            foreach (var gateway in new[] { a, b })
            {
                Assert.DoesNotContain("No XML encryptor configured", gateway.Output(), StringComparison.Ordinal);
                Assert.False(Directory.Exists(Path.Combine(gateway.Folder, "data", "keys")), "a key ring folder was written");
            }
        }
    }

    private static async Task<string> RotateKeyAsync(GatewayProcess gateway, string clientId)
    {
        using var admin = new HttpClient { BaseAddress = gateway.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
        using var response = await admin.PostAsync($"/admin/v1/merchants/{clientId}/secret-keys", null);
        var json = GatewayHost.Json(await response.Content.ReadAsStringAsync());
        Assert.True(response.StatusCode == HttpStatusCode.Created, json.ToJsonString());
        return (string)json["secret_key"]!;
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
