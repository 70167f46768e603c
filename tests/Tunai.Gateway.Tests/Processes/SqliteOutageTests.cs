using System.Diagnostics;
using System.Net;
using Microsoft.Data.Sqlite;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Processes;

/// <summary>
/// The gateway process on SQLite whose file cannot be written: its disk full (a tmpfs of a few MiB the test mounts
/// and fills), then the file read-only (immutable, which binds root too). Writes answer 503 with Retry-After and a
/// reason meanwhile, the database stays whole (<c>PRAGMA integrity_check</c>), and the same process writes again once
/// space returns and the file is writable, and notifies what it acknowledged before. Mounting needs root: skipped
/// otherwise (a failure under TUNAI_REQUIRE_ALL=1).
/// </summary>
[Collection(nameof(GatewayProcess))]
public sealed class SqliteOutageTests
{
    [Fact]
    public async Task AFullDiskThenAReadOnlyFileAnswer503AndTheSameProcessWritesAgainOnceTheyAreGone()
    {
        var ct = TestContext.Current.CancellationToken;
        using var disk = await SmallDisk.MountAsync(ct);
        await using var endpoint = await MerchantEndpoint.StartAsync();
        using var gateway = GatewayProcess.Start(disk.Path, "--Tunai:PrintSandboxCredentials=false",
            $"--Tunai:Notifications:RetrySchedule={string.Join(',', Enumerable.Repeat("00:00:01", 100))}");
        await gateway.WaitUntilReadyAsync(ct);
        using var shop = await OutageShop.OpenAsync(gateway, endpoint, ct);
        var acknowledged = await shop.PayNewCodesAsync(3);
        var unpaid = await shop.NewCodeAsync();
        var database = System.IO.Path.Combine(disk.Path, "data", "tunai.db");

        // The disk fills. What the WAL already holds is reused for a while; the first write that needs more is refused.
        await disk.FillAsync(ct);
        var full = await WriteUntilRefusedAsync(shop);
        Assert.Contains("disk is full", full.Json["error"]!["message"]!.ToString(), StringComparison.Ordinal);
        OutageShop.AssertUnavailable(await shop.PayAsync(unpaid, "TRX-FULL-1"), "a store payment on a full disk");
        Assert.Equal(HttpStatusCode.OK, await shop.StatusOfAsync("/healthz"));

        // Meanwhile the file is made read-only. An open file stays writable through its descriptor; the writer meets
        // the change when it opens its connection again, which it does after any failed write (here the full disk's).
        await Commands.RunAsync(["chattr", "+i", database], ct);
        disk.Free();
        var readOnly = await Eventually.WaitAsync(() => shop.CreateAsync(),
            a => a.Status == HttpStatusCode.ServiceUnavailable && a.Body.Contains("read-only", StringComparison.Ordinal), "a read-only refusal");
        OutageShop.AssertUnavailable(readOnly, "a create on a read-only file");

        await Commands.RunAsync(["chattr", "-i", database], ct);
        shop.Healthy = true;
        await Eventually.WaitAsync(async () => (await shop.CreateAsync()).Status, s => s == HttpStatusCode.OK,
            "a create answered 200 once the file is writable", TimeSpan.FromSeconds(10));
        var paid = await shop.PayAsync(unpaid, "TRX-FULL-1");
        Assert.True(paid.Status == HttpStatusCode.OK, paid.Body);
        acknowledged.Add("TRX-FULL-1");
        await Eventually.WaitAsync(() => acknowledged.All(shop.Notified.ContainsKey), "every acknowledged payment notified", TimeSpan.FromSeconds(60));
        Assert.False(gateway.HasExited, "the gateway was restarted");

        await using var check = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await check.OpenAsync(ct);
        await using var integrity = check.CreateCommand();
        integrity.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", (string?)await integrity.ExecuteScalarAsync(ct));
    }

    /// <summary>Creates codes until one is refused; each answer before is a 200, the refusal a 503 of the outage.</summary>
    private static async Task<ApiResponse> WriteUntilRefusedAsync(OutageShop shop)
    {
        for (var i = 0; i < 5000; i++)
        {
            var answer = await shop.CreateAsync();
            if (answer.Status != HttpStatusCode.OK)
            {
                OutageShop.AssertUnavailable(answer, $"create {i} on a full disk");
                return answer;
            }
        }
        Assert.Fail("5000 creates on a full disk were all written");
        return null!;
    }

    /// <summary>A tmpfs of 16 MiB mounted for the test (root only), and a file that fills it.</summary>
    private sealed class SmallDisk : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tunai-small-disk-" + Guid.NewGuid().ToString("N")[..12]);

        private string Filler => System.IO.Path.Combine(Path, "filler");

        public static async Task<SmallDisk> MountAsync(CancellationToken ct)
        {
            if (Environment.UserName != "root")
            {
                ExternalTool.Unavailable("root (to mount a tmpfs of a few MiB and fill it)", "run the test as root, as scripts/test.sh does in CI");
            }
            var disk = new SmallDisk();
            Directory.CreateDirectory(disk.Path);
            await Commands.RunAsync(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", disk.Path], ct);
            return disk;
        }

        /// <summary>Writes until the file system has no byte left.</summary>
        public async Task FillAsync(CancellationToken ct)
        {
            await using var filler = new FileStream(Filler, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
            foreach (var chunk in new[] { 1 << 20, 1 << 12, 1 })
            {
                var bytes = new byte[chunk];
                try
                {
                    while (true)
                    {
                        await filler.WriteAsync(bytes, ct);
                    }
                }
                catch (IOException)
                {
                    // no room for another chunk of this size
                }
            }
        }

        public void Free() => File.Delete(Filler);

        public void Dispose()
        {
            // The gateway is gone by now (disposed first); lazily, in case anything still holds a file there.
            using (var chattr = Process.Start("chattr", ["-R", "-i", Path]))
            {
                chattr.WaitForExit();
            }
            using (var umount = Process.Start("umount", ["-l", Path]))
            {
                umount.WaitForExit();
            }
            Directory.Delete(Path, recursive: true);
        }
    }
}
