using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Data.Sqlite;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Processes;

namespace Tunai.Gateway.Tests.Hardening;

/// <summary>What a stolen copy of the database gives away: no secret key, no admin token.</summary>
public sealed class SecretsAtRestTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task ACopyOfTheDatabaseHoldsNoSecretKeyInClear()
    {
        var merchant = await fixture.Gateway.CreateMerchantAsync(new { name = "Toko Rahasia", secret_key = "SK-the-merchants-own-secret-0001" });
        var store = await TestStore.CreateAsync(fixture.Gateway, "SEALED");

        var merchantRow = await fixture.Gateway.RowAsync("SELECT secret_key FROM merchants WHERE client_id = $c", ("$c", merchant.ClientId));
        var acquirerRow = await fixture.Gateway.RowAsync("SELECT secret_key FROM acquirers WHERE client_id = $c", ("$c", store.ClientId));

        foreach (var (stored, secret) in new[] { ((string)merchantRow["secret_key"]!, merchant.SecretKey), ((string)acquirerRow["secret_key"]!, store.SecretKey) })
        {
            Assert.StartsWith("dp1:", stored, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)), stored, StringComparison.Ordinal);
        }
        // And yet both still sign and verify with their keys.
        var (code, _) = await merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await store.InquiryAsync(code)).Status);
    }

    [Fact]
    public async Task AMerchantsSecretIsShownOnceAndNeverByAGet()
    {
        var merchant = await fixture.Gateway.CreateMerchantAsync(new { name = "Toko Sekali" });

        using var get = await fixture.Gateway.Admin.GetAsync($"/admin/v1/merchants/{merchant.ClientId}", TestContext.Current.CancellationToken);
        var body = await get.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.DoesNotContain("secret_key", body, StringComparison.Ordinal);
        Assert.DoesNotContain(merchant.SecretKey, body, StringComparison.Ordinal);
    }
}

/// <summary>The sandbox's files and the sealing of what an older gateway stored, on a real gateway process.</summary>
[Collection(nameof(GatewayProcess))]
public sealed class SecretsAtRestProcessTests
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task TheDatabaseItsFolderAndTheMasterKeyAreReadableByTheOwnerOnly()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        using var gateway = GatewayProcess.Start(folder.Path, "--Tunai:PrintSandboxCredentials=false");
        await gateway.WaitUntilReadyAsync(ct);
        var data = Path.Combine(folder.Path, "data");

        Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(data));
        foreach (var file in new[] { "tunai.db", "tunai.db-wal", "tunai.db-shm", "sandbox.env", "master.key" })
        {
            var path = Path.Combine(data, file);
            Assert.True(File.Exists(path), $"{file} missing");
            Assert.True(File.GetUnixFileMode(path) == OwnerOnlyFile, $"{file} is {File.GetUnixFileMode(path)}");
        }
        // The key ring is in the database, sealed with the master key: no folder of keys beside it.
        Assert.False(Directory.Exists(Path.Combine(data, "keys")), "a key ring folder was written");
    }

    /// <summary>An older gateway stored every secret in clear; the next start seals them and they keep working.</summary>
    [Fact]
    public async Task SecretsStoredInClearByAnOlderGatewayAreSealedAtTheNextStart()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        Dictionary<string, string> env;
        using (var first = GatewayProcess.Start(folder.Path, "--Tunai:PrintSandboxCredentials=false"))
        {
            await first.WaitUntilReadyAsync(ct);
            env = first.SandboxEnv();
        }
        var db = Path.Combine(folder.Path, "data", "tunai.db");
        await ExecuteAsync(db, $"""
            UPDATE merchants SET secret_key = '{env["TUNAI_SECRET_KEY"]}';
            UPDATE acquirers SET secret_key = '{env["TUNAI_ACQUIRER_SECRET_KEY"]}';
            UPDATE gateway_settings SET value = '{env["TUNAI_ADMIN_TOKEN"]}' WHERE key = 'sandbox_admin_token';
            """, ct);

        using var second = GatewayProcess.Start(folder.Path, "--Tunai:PrintSandboxCredentials=false");
        await second.WaitUntilReadyAsync(ct);

        var stored = await ReadAsync(db, """
            SELECT (SELECT group_concat(secret_key) FROM merchants) || ',' || (SELECT group_concat(secret_key) FROM acquirers)
                || ',' || (SELECT value FROM gateway_settings WHERE key = 'sandbox_admin_token')
            """, ct);
        Assert.All(stored.Split(','), value => Assert.StartsWith("dp1:", value, StringComparison.Ordinal));
        Assert.Equal(env, second.SandboxEnv());
        using var http = new HttpClient { BaseAddress = second.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", env["TUNAI_ADMIN_TOKEN"]);
        using var admin = await http.GetAsync("/admin/v1/payment-codes", ct);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        var signed = await SignedHttp.SendAsync(http, env["TUNAI_CLIENT_ID"], env["TUNAI_SECRET_KEY"], HttpMethod.Get, "/orders/v1/status/INV-1", null);
        Assert.Equal(HttpStatusCode.NotFound, signed.Status);
    }

    private static async Task ExecuteAsync(string db, string sql, CancellationToken ct)
    {
        await using var connection = new SqliteConnection($"Data Source={db};Pooling=False");
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<string> ReadAsync(string db, string sql, CancellationToken ct)
    {
        await using var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (string)(await command.ExecuteScalarAsync(ct))!;
    }
}
