using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Processes;

namespace Tunai.Cli.Tests;

/// <summary><c>tunai backup</c> and <c>tunai restore</c> against a real gateway process writing to its SQLite file.</summary>
[Collection(nameof(GatewayProcess))]
public sealed class BackupCommandTests
{
    private static Task<CliRun> TunaiAsync(string folder, params string[] args) => CliRun.RunAsync(folder, TimeProvider.System, args);

    [Fact]
    public async Task BackupTakenWhilePaymentsAreWrittenRestoresEveryAcknowledgedPayment()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        var acknowledgedBeforeBackup = new List<string>();
        Dictionary<string, string> env;
        using (var gateway = GatewayProcess.Start(folder.Path))
        {
            await gateway.WaitUntilReadyAsync(ct);
            env = gateway.SandboxEnv();
            using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
            var acknowledged = new ConcurrentQueue<string>();
            using var stop = new CancellationTokenSource();
            // Four tills paying codes without pause, before, during and after the backup.
            var tills = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    acknowledged.Enqueue(await CreateAndPayAsync(http, env));
                }
            }, ct)).ToList();
            await Eventually.WaitAsync(() => acknowledged.Count >= 20 || tills.Any(t => t.IsFaulted), "20 payments before the backup", TimeSpan.FromSeconds(60));
            acknowledgedBeforeBackup.AddRange(acknowledged);

            var backup = await TunaiAsync(folder.Path, "backup", "--to", "backups/one.tunai.db");
            var afterBackup = acknowledged.Count;
            await Eventually.WaitAsync(() => acknowledged.Count >= afterBackup + 4 || tills.Any(t => t.IsFaulted), "payments after the backup");
            await stop.CancelAsync();
            await Task.WhenAll(tills);
            Assert.True(backup.ExitCode == Cli.Success, backup.ToString());
            Assert.Contains("payments", backup.Out, StringComparison.Ordinal);
            // Customers' data: the owner's alone, like the database.
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite,
                    File.GetUnixFileMode(Path.Combine(folder.Path, "backups", "one.tunai.db")));
            }

            // Refused while the gateway runs, and nothing was changed by trying.
            var refused = await TunaiAsync(folder.Path, "restore", "--from", "backups/one.tunai.db");
            Assert.True(refused.ExitCode == Cli.UsageOrConnection, refused.ToString());
            Assert.Contains("stop the gateway", refused.Error, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz", ct)).StatusCode);
            Assert.Equal(acknowledged.Count, PaidCodesIn(Path.Combine(folder.Path, "data", "tunai.db")).Count(acknowledged.Contains));
            await stop.CancelAsync();
        }

        var restore = await TunaiAsync(folder.Path, "restore", "--from", "backups/one.tunai.db");
        Assert.True(restore.ExitCode == Cli.Success, restore.ToString());
        Assert.Single(Directory.GetFiles(Path.Combine(folder.Path, "data"), "tunai.db.before-restore-*"));

        using var restarted = GatewayProcess.Start(folder.Path);
        await restarted.WaitUntilReadyAsync(ct);
        using var admin = new HttpClient { BaseAddress = restarted.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", env["TUNAI_ADMIN_TOKEN"]);
        var paid = new HashSet<string>();
        string? cursor = null;
        do
        {
            using var page = await admin.GetAsync($"/admin/v1/payment-codes?status=PAID&limit=100{(cursor is null ? "" : "&cursor=" + cursor)}", ct);
            var json = JsonNode.Parse(await page.Content.ReadAsStringAsync(ct))!;
            paid.UnionWith(json["data"]!.AsArray().Select(item => (string)item!["payment_code"]!));
            cursor = (string?)json["next_cursor"];
        }
        while (cursor is not null);
        var missing = acknowledgedBeforeBackup.Where(code => !paid.Contains(code)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledgedBeforeBackup.Count} acknowledged payments missing after restore\n{restarted.Output()}");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/readyz", ct)).StatusCode);
    }

    [Fact]
    public async Task RestoreRefusesAFileThatIsNotAnIntactDatabaseAndLeavesTheDatabaseAlone()
    {
        using var folder = new TempFolder();
        var data = Directory.CreateDirectory(Path.Combine(folder.Path, "data")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "not-a-backup.db"), "this is not SQLite", TestContext.Current.CancellationToken);
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(data, "tunai.db")};Pooling=False"))
        {
            await db.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = db.CreateCommand();
            command.CommandText = "CREATE TABLE kept (x INTEGER)";
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }
        var before = await File.ReadAllBytesAsync(Path.Combine(data, "tunai.db"), TestContext.Current.CancellationToken);

        var run = await TunaiAsync(folder.Path, "restore", "--from", "not-a-backup.db");

        Assert.True(run.ExitCode == Cli.UsageOrConnection, run.ToString());
        Assert.Contains("not a Tunai database", run.Error, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(Path.Combine(data, "tunai.db"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task BackupNeverOverwritesAFile()
    {
        using var folder = new TempFolder();
        var data = Directory.CreateDirectory(Path.Combine(folder.Path, "data")).FullName;
        await File.WriteAllTextAsync(Path.Combine(data, "tunai.db"), "", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "old.db"), "an older backup", TestContext.Current.CancellationToken);

        var run = await TunaiAsync(folder.Path, "backup", "--to", "old.db");

        Assert.True(run.ExitCode == Cli.UsageOrConnection, run.ToString());
        Assert.Equal("an older backup", await File.ReadAllTextAsync(Path.Combine(folder.Path, "old.db"), TestContext.Current.CancellationToken));
    }

    private static HashSet<string> PaidCodesIn(string path)
    {
        using var db = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT code FROM payments WHERE status = 'SUCCESS'";
        using var reader = command.ExecuteReader();
        var codes = new HashSet<string>();
        while (reader.Read())
        {
            codes.Add(reader.GetString(0));
        }
        return codes;
    }

    /// <summary>Creates a code as the sandbox merchant and pays it at the sandbox's ALFA till; returns the code once the payment is acknowledged.</summary>
    private static async Task<string> CreateAndPayAsync(HttpClient http, Dictionary<string, string> env)
    {
        var created = await SignedHttp.SendAsync(http, env["TUNAI_CLIENT_ID"], env["TUNAI_SECRET_KEY"], HttpMethod.Post, TestMerchant.CreatePath,
            JsonSerializer.SerializeToUtf8Bytes(TestMerchant.ValidCreate()));
        Assert.True(created.Status == HttpStatusCode.OK, created.Body);
        var code = (string)created.Json["online_to_offline_info"]!["payment_code"]!;
        var paid = await SignedHttp.SendAsync(http, env["TUNAI_ACQUIRER_CLIENT_ID"], env["TUNAI_ACQUIRER_SECRET_KEY"], HttpMethod.Post,
            TestStore.PaymentPath, Encoding.UTF8.GetBytes(TestStore.Body(code, TestStore.NewTrxId(), 150000).ToJsonString()));
        Assert.True(paid.Status == HttpStatusCode.OK, paid.Body);
        return code;
    }
}
