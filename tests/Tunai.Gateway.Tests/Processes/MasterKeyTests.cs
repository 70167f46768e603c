using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Processes;

/// <summary>
/// The master key that seals the key ring in the database, through the life of a real gateway process: replaced
/// with a two-key window, and a key ring folder of an earlier version imported.
/// </summary>
[Collection(nameof(GatewayProcess))]
public sealed class MasterKeyTests
{
    private static string NewMasterKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Starts the sandbox in <paramref name="folder"/>, runs <paramref name="whileUp"/> against it, then stops it as a service manager does.</summary>
    private static async Task<string> RunAsync(string folder, Func<GatewayProcess, Task> whileUp, params string[] args)
    {
        var ct = TestContext.Current.CancellationToken;
        using var gateway = GatewayProcess.Start(folder, ["--Tunai:PrintSandboxCredentials=false", .. args]);
        await gateway.WaitUntilReadyAsync(ct);
        await whileUp(gateway);
        gateway.Terminate();
        await gateway.WaitForExitAsync(ct);
        return gateway.StandardOutput;
    }

    /// <summary>A payment code created with the sandbox merchant's credentials: the gateway opened the sealed secret to check it.</summary>
    private static async Task SignedRequestSucceedsAsync(GatewayProcess gateway, string secretKey)
    {
        var env = gateway.SandboxEnv();
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        var answer = await SignedHttp.PostJsonAsync(http, env["TUNAI_CLIENT_ID"], secretKey, TestMerchant.CreatePath,
            JsonSerializer.Serialize(TestMerchant.ValidCreate()));
        Assert.True(answer.Status == HttpStatusCode.OK, $"{answer.Status} {answer.Body}\n{gateway.Output()}");
    }

    /// <summary>The sandbox's first start in <paramref name="folder"/>: the secret key of the merchant it made.</summary>
    private static async Task<string> FirstStartAsync(string folder, params string[] args)
    {
        string? secret = null;
        await RunAsync(folder, g =>
        {
            secret = g.SandboxEnv()["TUNAI_SECRET_KEY"];
            return Task.CompletedTask;
        }, args);
        return secret!;
    }

    /// <summary>A start with the new master key and the old one as previous: the merchant's secret opens, and the ring is sealed again.</summary>
    private static async Task ReplacementStartAsync(string folder, string secret, string newKeySetting, string oldKeySetting)
    {
        var window = await RunAsync(folder, g => SignedRequestSucceedsAsync(g, secret), newKeySetting, oldKeySetting);
        Assert.Contains("Sealed 1 Data Protection keys again with the master key", window, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMasterKeyIsReplacedWithTheOldOneGivenAsPreviousForOneStart()
    {
        using var folder = new TempFolder();
        string oldKey = NewMasterKey(), newKey = NewMasterKey();
        var secret = await FirstStartAsync(folder.Path, $"--Tunai:Secrets:MasterKey={oldKey}");
        await ReplacementStartAsync(folder.Path, secret, $"--Tunai:Secrets:MasterKey={newKey}", $"--Tunai:Secrets:PreviousMasterKey={oldKey}");

        // The old key is no longer needed: the ring in the database opens with the new one alone.
        var after = await RunAsync(folder.Path, g => SignedRequestSucceedsAsync(g, secret), $"--Tunai:Secrets:MasterKey={newKey}");
        Assert.DoesNotContain("Sealed", after, StringComparison.Ordinal);
    }

    /// <summary>Each key setting may name a file instead (<c>...MasterKeyFile</c>, <c>...PreviousMasterKeyFile</c>), as Docker secrets give them.</summary>
    [Fact]
    public async Task MasterKeysGivenAsFilesAreTheKeysTheirFilesHold()
    {
        using var folder = new TempFolder();
        using var secrets = new TempFolder();
        string oldKey = NewMasterKey(), newKey = NewMasterKey();
        string oldFile = Path.Combine(secrets.Path, "old.key"), newFile = Path.Combine(secrets.Path, "new.key");
        await File.WriteAllTextAsync(oldFile, oldKey + "\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(newFile, newKey + "\n", TestContext.Current.CancellationToken);
        var secret = await FirstStartAsync(folder.Path, $"--Tunai:Secrets:MasterKeyFile={oldFile}");
        await ReplacementStartAsync(folder.Path, secret, $"--Tunai:Secrets:MasterKeyFile={newFile}", $"--Tunai:Secrets:PreviousMasterKeyFile={oldFile}");

        // The same key given inline opens what the file's key sealed.
        await RunAsync(folder.Path, g => SignedRequestSucceedsAsync(g, secret), $"--Tunai:Secrets:MasterKey={newKey}");
    }

    [Fact]
    public async Task AKeyRingFolderOfAnEarlierVersionIsImportedAndOpensWhatItSealed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        var masterKey = NewMasterKey();
        await RunAsync(folder.Path, _ => Task.CompletedTask, $"--Tunai:Secrets:MasterKey={masterKey}");

        // What an earlier version left: its key ring in data/keys (plain XML, no encryptor), and a merchant's key sealed with it.
        const string legacySecret = "SK-sealed-by-the-folder-key-ring-0123";
        var keys = Path.Combine(folder.Path, "data", "keys");
        var legacy = DataProtectionProvider.Create(new DirectoryInfo(keys), b => b.SetApplicationName("Tunai"));
        var sealedSecret = "dp1:" + legacy.CreateProtector("Tunai.Secrets.v1").Protect(legacySecret);
        Assert.NotEmpty(Directory.GetFiles(keys, "key-*.xml"));
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(folder.Path, "data", "tunai.db")};Pooling=False"))
        {
            await db.OpenAsync(ct);
            await using var update = db.CreateCommand();
            update.CommandText = "UPDATE merchants SET secret_key = $sealed WHERE client_id = (SELECT value FROM gateway_settings WHERE key = 'sandbox_client_id')";
            update.Parameters.AddWithValue("$sealed", sealedSecret);
            Assert.Equal(1, await update.ExecuteNonQueryAsync(ct));
        }

        var output = await RunAsync(folder.Path, g => SignedRequestSucceedsAsync(g, legacySecret), $"--Tunai:Secrets:MasterKey={masterKey}");
        Assert.Contains("Imported 1 Data Protection keys from the key ring folder", output, StringComparison.Ordinal);

        // Imported once: the folder can go, and the next start needs only the database and the master key.
        Directory.Delete(keys, recursive: true);
        var next = await RunAsync(folder.Path, g => SignedRequestSucceedsAsync(g, legacySecret), $"--Tunai:Secrets:MasterKey={masterKey}");
        Assert.DoesNotContain("Imported", next, StringComparison.Ordinal);
    }

    /// <summary>Secrets sealed by a key ring the database does not hold (its folder lost) stop the start, not a merchant's first request.</summary>
    [Fact]
    public async Task SecretsThatTheKeyRingCannotOpenStopTheStartInOneLine()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        using var elsewhere = new TempFolder();
        var masterKey = NewMasterKey();
        await RunAsync(folder.Path, _ => Task.CompletedTask, $"--Tunai:Secrets:MasterKey={masterKey}");
        // Sealed by a key ring in a folder this gateway never sees.
        var lost = DataProtectionProvider.Create(new DirectoryInfo(elsewhere.Path), b => b.SetApplicationName("Tunai"));
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(folder.Path, "data", "tunai.db")};Pooling=False"))
        {
            await db.OpenAsync(ct);
            await using var update = db.CreateCommand();
            update.CommandText = "UPDATE merchants SET secret_key = $sealed";
            update.Parameters.AddWithValue("$sealed", "dp1:" + lost.CreateProtector("Tunai.Secrets.v1").Protect("SK-whose-key-ring-is-gone"));
            Assert.Equal(1, await update.ExecuteNonQueryAsync(ct));
        }

        using var gateway = GatewayProcess.Start(folder.Path, $"--Tunai:Secrets:MasterKey={masterKey}");
        var exitCode = await gateway.WaitForExitAsync(ct);

        Assert.True(exitCode == 1, $"exit code {exitCode}\n{gateway.Output()}");
        var line = Assert.Single(gateway.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("tunai: the secrets in this database were sealed with another master key: they do not open with the key ring in the database", line,
            StringComparison.Ordinal);
        Assert.Contains("Tunai:Secrets:KeyRingPath", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", gateway.Output(), StringComparison.Ordinal);
    }
}
