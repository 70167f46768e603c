using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Money;

/// <summary>Reconciliation files as spreadsheet programs save them, files that are not text, and files too large to show whole.</summary>
public sealed class ReconciliationFileTests
{
    // 10:00 WIB on 30 November 2026.
    private static readonly DateTimeOffset Morning = new(2026, 11, 30, 3, 0, 0, TimeSpan.Zero);
    private const string Header = "trx_id,payment_code,amount,paid_at,store_id,terminal_id,status";

    private static async Task<(HttpStatusCode Status, JsonNode Json)> ImportAsync(GatewayHost gateway, byte[] bytes)
    {
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var response = await gateway.Admin.PostAsync("/admin/v1/acquirers/RECON/reconciliations?date=2026-11-30", content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? new JsonObject() : GatewayHost.Json(text));
    }

    private static string File(params string[] rows) => string.Join("\r\n", [Header, .. rows, ""]);

    public static TheoryData<string> Encodings => ["utf-8-bom", "utf-16le-bom", "utf-16be-bom"];

    [Theory]
    [MemberData(nameof(Encodings))]
    public async Task AFileSavedWithAByteOrderMarkIsRead(string encoding)
    {
        await using var gateway = await GatewayHost.StartAsync(Morning);
        await TestStore.CreateAsync(gateway, "RECON");
        var text = File("T1,8896512345678123,150000,2026-11-30T02:10:00Z,Toko Ñusantara,,PAID");
        Encoding chosen = encoding switch
        {
            "utf-8-bom" => new UTF8Encoding(true),
            "utf-16le-bom" => new UnicodeEncoding(false, true),
            _ => new UnicodeEncoding(true, true),
        };

        var (status, json) = await ImportAsync(gateway, [.. chosen.GetPreamble(), .. chosen.GetBytes(text)]);

        Assert.True(status == HttpStatusCode.OK, json.ToJsonString());
        Assert.Equal("Toko Ñusantara", (string)(await gateway.RowAsync("SELECT store_id FROM reconciliation_rows WHERE trx_id = 'T1'"))["store_id"]!);
    }

    [Theory]
    [InlineData("invalid-utf8", "line 3")]
    [InlineData("nul", "line 2")]
    [InlineData("esc", "line 3")]
    [InlineData("rlo", "line 2")]
    [InlineData("future", "line 3.paid_at")]
    public async Task AFileThatIsNotCleanTextOrDatedAheadIsRefusedNamingTheLine(string flaw, string field)
    {
        await using var gateway = await GatewayHost.StartAsync(Morning);
        await TestStore.CreateAsync(gateway, "RECON");
        var good = "T1,8896512345678123,150000,2026-11-30T02:10:00Z,TZ01,,PAID";
        byte[] bytes = flaw switch
        {
            "invalid-utf8" => [.. Encoding.UTF8.GetBytes(string.Join("\r\n", Header, good, "T2,8896512345678124,5000,2026-11-30T02:10:00Z,TZ")), 0xC3, 0x28, .. Encoding.UTF8.GetBytes(",,PAID\r\n")],
            "nul" => Encoding.UTF8.GetBytes(File("T1\0,8896512345678123,150000,2026-11-30T02:10:00Z,TZ01,,PAID")),
            "esc" => Encoding.UTF8.GetBytes(File(good, "T2,8896512345678124,5000,2026-11-30T02:10:00Z,TZ\u001b[31m,,PAID")),
            "rlo" => Encoding.UTF8.GetBytes(File("T1,8896512345678123,150000,2026-11-30T02:10:00Z,TZ\u202E10,,PAID")),
            // A payment dated 2031 became one that could be reversed at once; a few minutes ahead is a fast store clock.
            _ => Encoding.UTF8.GetBytes(File("T0,8896512345678122,150000,2026-11-30T03:04:00Z,TZ01,,PAID", "T1,8896512345678123,150000,2031-11-30T02:10:00Z,TZ01,,PAID")),
        };

        var (status, json) = await ImportAsync(gateway, bytes);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(field, (string?)json["error"]!["field"]);
        Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM reconciliations"));
    }

    [Fact]
    public async Task AFileOverTheLimitIs413()
    {
        await using var gateway = await GatewayHost.StartAsync(Morning);
        await TestStore.CreateAsync(gateway, "RECON");
        var bytes = new byte[16 * 1024 * 1024 + 1];
        Array.Fill(bytes, (byte)'x');

        var (status, json) = await ImportAsync(gateway, bytes);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("16 MiB", (string)json["error"]!["message"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AResultIsReadAPageAtATimeAndCountedWhole()
    {
        await using var gateway = await GatewayHost.StartAsync(Morning);
        await TestStore.CreateAsync(gateway, "RECON");
        var rows = Enumerable.Range(1, 5).Select(i => $"T{i},88965123456781{i:00},{1000 * i},2026-11-30T02:10:00Z,TZ01,,PAID").ToArray();
        var (status, imported) = await ImportAsync(gateway, Encoding.UTF8.GetBytes(File(rows)));
        Assert.Equal(HttpStatusCode.OK, status);
        var id = (string)imported["id"]!;

        var first = GatewayHost.Json(await gateway.Admin.GetStringAsync($"/admin/v1/reconciliations/{id}?limit=2"));
        var second = GatewayHost.Json(await gateway.Admin.GetStringAsync($"/admin/v1/reconciliations/{id}?limit=2&after_line={(int)first["next_after_line"]!}"));
        var last = GatewayHost.Json(await gateway.Admin.GetStringAsync($"/admin/v1/reconciliations/{id}?limit=2&after_line={(int)second["next_after_line"]!}"));

        Assert.Equal([1, 2, 3, 4, 5], new[] { first, second, last }.SelectMany(p => p["rows"]!.AsArray().Select(r => (int)r!["line"]!)).ToList());
        Assert.Null(last["next_after_line"]);
        Assert.All(new[] { first, second, last }, p => Assert.Equal(5, (int)p["counts"]!["UNKNOWN_TO_TUNAI"]!));
        var listed = GatewayHost.Json(await gateway.Admin.GetStringAsync("/admin/v1/acquirers/RECON/reconciliations"))["items"]![0]!;
        Assert.Equal(5, (int)listed["counts"]!["UNKNOWN_TO_TUNAI"]!);
        Assert.Empty(listed["rows"]!.AsArray());
    }

    [Fact]
    public async Task AFileLargerThanAChunkIsWrittenWholeInChunksAndListedOnlyOnceComplete()
    {
        await using var gateway = await GatewayHost.StartAsync(Morning);
        await TestStore.CreateAsync(gateway, "RECON");
        var count = Tunai.Gateway.Reconciliation.Reconciler.ChunkRows * 2 + 7;
        var rows = Enumerable.Range(1, count).Select(i => $"T{i},8896512345{i:000000},{1000 + i},2026-11-30T02:10:00Z,TZ01,,PAID").ToArray();
        var (status, imported) = await ImportAsync(gateway, Encoding.UTF8.GetBytes(File(rows)));
        Assert.True(status == HttpStatusCode.OK, imported.ToJsonString());

        var id = (string)imported["id"]!;
        Assert.Equal(count, await gateway.CountAsync(
            "SELECT COUNT(*) FROM reconciliation_rows x JOIN reconciliations r ON r.id = x.reconciliation_id WHERE r.reconciliation_id = @id", ("id", id)));
        // Lines 1..N, each once, whatever chunk wrote it.
        Assert.Equal(count, await gateway.CountAsync(
            "SELECT COUNT(DISTINCT x.line) FROM reconciliation_rows x JOIN reconciliations r ON r.id = x.reconciliation_id WHERE r.reconciliation_id = @id AND x.line BETWEEN 1 AND @count",
            ("id", id), ("count", count)));
        var listed = GatewayHost.Json(await gateway.Admin.GetStringAsync("/admin/v1/acquirers/RECON/reconciliations"))["items"]![0]!;
        Assert.Equal(count, (int)listed["counts"]!["UNKNOWN_TO_TUNAI"]!);
        Assert.Equal(1, await gateway.CountAsync("SELECT COUNT(*) FROM audit_log WHERE action = 'reconciliation.import' AND target = @id", ("id", id)));
    }

    [Fact]
    public async Task AnImportACrashLeftHalfWrittenIsHiddenRefusedWhileFreshAndTakenOverOnceAbandoned()
    {
        await using var gateway = await GatewayHost.StartAsync(Morning);
        await TestStore.CreateAsync(gateway, "RECON");
        var rows = Enumerable.Range(1, 3).Select(i => $"T{i},88965123456781{i:00},{1000 * i},2026-11-30T02:10:00Z,TZ01,,PAID").ToArray();
        var bytes = Encoding.UTF8.GetBytes(File(rows));
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes));
        var id = $"REC-20261130-RECON-{hash[..12]}";
        // What a process killed between two chunks leaves: the header not completed, and some of the rows.
        await gateway.ExecuteAsync(
            """
            INSERT INTO reconciliations (reconciliation_id, acquirer_id, business_date, file_hash, created_at, import_token)
            SELECT @id, id, '2026-11-30', @hash, @at, 'a-process-that-died' FROM acquirers WHERE code = 'RECON'
            """, ("id", id), ("hash", hash), ("at", Morning.ToUnixTimeMilliseconds()));
        await gateway.ExecuteAsync(
            """
            INSERT INTO reconciliation_rows (reconciliation_id, line, class, trx_id, payment_code)
            SELECT id, 1, 'UNKNOWN_TO_TUNAI', 'T1', '8896512345678101' FROM reconciliations WHERE reconciliation_id = @id
            """, ("id", id));

        var listed = GatewayHost.Json(await gateway.Admin.GetStringAsync("/admin/v1/acquirers/RECON/reconciliations"))["items"]!.AsArray();
        Assert.Empty(listed);
        using (var view = await gateway.Admin.GetAsync($"/admin/v1/reconciliations/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, view.StatusCode);
        }
        // Still fresh: the import may be running; the same file again is told so and changes nothing.
        var (busy, refusal) = await ImportAsync(gateway, bytes);
        Assert.Equal(HttpStatusCode.Conflict, busy);
        Assert.Equal("import_in_progress", (string)refusal["error"]!["code"]!);

        gateway.Time.Advance(Tunai.Gateway.Reconciliation.Reconciler.AbandonedAfter + TimeSpan.FromMinutes(1));
        var (status, imported) = await ImportAsync(gateway, bytes);
        Assert.True(status == HttpStatusCode.OK, imported.ToJsonString());
        Assert.Equal(id, (string)imported["id"]!);
        var result = GatewayHost.Json(await gateway.Admin.GetStringAsync($"/admin/v1/reconciliations/{id}"));
        Assert.Equal([1, 2, 3], result["rows"]!.AsArray().Select(r => (int)r!["line"]!).ToList());
        Assert.Equal(3, (int)result["counts"]!["UNKNOWN_TO_TUNAI"]!);
    }
}
