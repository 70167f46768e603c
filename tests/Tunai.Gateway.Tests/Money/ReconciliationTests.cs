using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Money;

/// <summary>The acquirer's daily file against Tunai's payments: every class of difference, re-import, and recording an unknown payment.</summary>
public sealed class ReconciliationTests
{
    // 10:00 WIB on 30 November 2026.
    private static readonly DateTimeOffset Morning = new(2026, 11, 30, 3, 0, 0, TimeSpan.Zero);

    private static async Task<(HttpStatusCode Status, JsonNode Json)> ImportAsync(GatewayHost gateway, string acquirer, string csv, string date = "2026-11-30")
    {
        using var content = new StringContent(csv, Encoding.UTF8, "text/csv");
        var response = await gateway.Admin.PostAsync($"/admin/v1/acquirers/{acquirer}/reconciliations?date={date}", content);
        return (response.StatusCode, GatewayHost.Json(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task EachClassOfDifferenceIsFoundAndTheSameFileAgainChangesNothing()
    {
        await using var gateway = await GatewayHost.StartAsync(Morning);
        var merchant = await gateway.CreateMerchantAsync(new { name = "Toko Rekon", notification_url = "https://shop.example.com/payments/notifications" });
        var store = await TestStore.CreateAsync(gateway, "RECON");
        var codes = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            codes.Add((await merchant.CreateCodeAsync(TestMerchant.ValidCreate(amount: 10_000 * (i + 1)))).Code);
        }
        var (unpaid, _) = await merchant.CreateCodeAsync(TestMerchant.ValidCreate(amount: 77_000));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(codes[i], 10_000 * (i + 1), $"T{i}")).Status);
        }
        Assert.Equal(HttpStatusCode.OK, (await store.ReverseAsync(codes[2], "T2")).Status);

        var csv = string.Join("\r\n",
            "trx_id,payment_code,amount,paid_at,store_id,terminal_id,status",
            $"T0,{codes[0]},10000,2026-11-30T03:00:00Z,TZ01,POS-02,PAID",          // matched
            $"T1,{codes[1]},25000,2026-11-30T03:00:00Z,TZ01,POS-02,PAID",          // amount mismatch
            $"T2,{codes[2]},30000,2026-11-30T03:00:00Z,TZ01,POS-02,PAID",          // Tunai reversed it
            $"T9,{unpaid},77000,2026-11-30T02:55:00Z,\"TZ, 09\",,PAID",            // cash taken, Tunai never told
            "") ;
        // T3 was paid in Tunai and is not in the file: missing from file.
        var (status, first) = await ImportAsync(gateway, "RECON", csv);
        Assert.Equal(HttpStatusCode.OK, status);
        var counts = first["counts"]!;
        Assert.Equal((1, 1, 1, 1, 1), ((int)counts["MATCHED"]!, (int)counts["AMOUNT_MISMATCH"]!, (int)counts["STATUS_MISMATCH"]!,
            (int)counts["UNKNOWN_TO_TUNAI"]!, (int)counts["MISSING_FROM_FILE"]!));
        var rows = first["rows"]!.AsArray().ToDictionary(r => (string)r!["trx_id"]!, r => (string)r!["class"]!);
        Assert.Equal(new Dictionary<string, string>
        {
            ["T1"] = "AMOUNT_MISMATCH", ["T2"] = "STATUS_MISMATCH", ["T9"] = "UNKNOWN_TO_TUNAI", ["T3"] = "MISSING_FROM_FILE",
        }, rows);

        var (_, again) = await ImportAsync(gateway, "RECON", csv);
        Assert.Equal((string)first["id"]!, (string)again["id"]!);
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM reconciliations"));
        Assert.Equal(5, await gateway.CountAsync("SELECT count(*) FROM reconciliation_rows"));
        var listed = GatewayHost.Json(await gateway.Admin.GetStringAsync("/admin/v1/acquirers/RECON/reconciliations"))["items"]!.AsArray();
        Assert.Equal((string)first["id"]!, (string)Assert.Single(listed)!["id"]!);
    }

    [Fact]
    public async Task AnUnknownPaymentIsRecordedOnceAndTheMerchantIsNotified()
    {
        await using var gateway = await GatewayHost.StartAsync(Morning);
        var merchant = await gateway.CreateMerchantAsync(new { name = "Toko Rekon", notification_url = "https://shop.example.com/payments/notifications" });
        await TestStore.CreateAsync(gateway, "RECON");
        var (code, _) = await merchant.CreateCodeAsync(TestMerchant.ValidCreate(amount: 50_000));
        var (_, imported) = await ImportAsync(gateway, "RECON",
            $"trx_id,payment_code,amount,paid_at,store_id,terminal_id,status\n CASH-1,{code},50000,2026-11-30T02:10:00Z,TZ01,POS-01,PAID\n".Replace("\n ", "\n", StringComparison.Ordinal));
        var id = (string)imported["id"]!;
        var line = (int)imported["rows"]![0]!["line"]!;
        // The code expired meanwhile; the customer paid while it was valid.
        gateway.Time.Advance(TimeSpan.FromHours(2));

        var resolving = gateway.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var resolved = await gateway.Admin.PostAsync($"/admin/v1/reconciliations/{id}/rows/{line}/resolve", null);
        var text = await resolved.Content.ReadAsStringAsync();
        Assert.True(resolved.StatusCode == HttpStatusCode.OK, text);
        var paymentId = (string)GatewayHost.Json(text)["resolved_payment_id"]!;
        Assert.Equal(HttpStatusCode.Conflict, (await gateway.Admin.PostAsync($"/admin/v1/reconciliations/{id}/rows/{line}/resolve", null)).StatusCode);

        Assert.Equal("PAID", (string)(await gateway.RowAsync("SELECT status FROM payment_codes WHERE code = $c", ("$c", code)))["status"]!);
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM notifications n JOIN payments p ON p.id = n.payment_id WHERE p.payment_id = $p AND n.event = 'SUCCESS'", ("$p", paymentId)));
        // The notification is scheduled (and born leased) from the moment it is written, not from the file's paid_at
        // hours ago: with its lease already run out at birth, the worker's poll claimed the row while its hand-over
        // delivered it, and the merchant was notified twice. Its body still says when the customer paid.
        Assert.Equal(1, await gateway.CountAsync(
            "SELECT count(*) FROM notifications n JOIN payments p ON p.id = n.payment_id WHERE p.payment_id = $p AND n.created_at >= $resolving",
            ("$p", paymentId), ("$resolving", resolving)));
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM store_events WHERE payment_id = $p AND reason LIKE $r", ("$p", paymentId), ("$r", $"%{id}%")));
        var payment = GatewayHost.Json(await gateway.Admin.GetStringAsync($"/admin/v1/payments/{paymentId}"));
        Assert.Equal(50_000, (long)payment["gross"]!);
        Assert.Equal("2026-11-30T02:10:00Z", (string)payment["paid_at"]!);
        await gateway.AssertBalancedAsync();
        var row = GatewayHost.Json(await gateway.Admin.GetStringAsync($"/admin/v1/reconciliations/{id}"))["rows"]![0]!;
        Assert.Equal(paymentId, (string)row["resolved_payment_id"]!);
    }

    [Fact]
    public async Task APaymentWhoseCodesAmountChangedBetweenReadAndRecordIsRefusedAndNothingIsWritten()
    {
        if (!TestDatabase.UsePostgres)
        {
            Assert.Skip("Needs two writers at once: on SQLite a unit runs alone, so nothing can change the code between its read and its write");
        }
        await using var gateway = await GatewayHost.StartAsync(Morning);
        var merchant = await gateway.CreateMerchantAsync(new { name = "Toko Rekon", notification_url = "https://shop.example.com/payments/notifications" });
        await TestStore.CreateAsync(gateway, "RECON");
        var (code, _) = await merchant.CreateCodeAsync(TestMerchant.ValidCreate(amount: 50_000));
        var (_, imported) = await ImportAsync(gateway, "RECON",
            $"trx_id,payment_code,amount,paid_at,store_id,terminal_id,status\nCASH-2,{code},50000,2026-11-30T02:10:00Z,TZ01,POS-01,PAID\n");
        var id = (string)imported["id"]!;
        var line = (int)imported["rows"]![0]!["line"]!;

        // Another transaction changes the code's amount and holds its row: the resolution reads the amount as it was
        // committed (50,000, the file's), then waits for the row to take the code, and is let go once the change commits.
        var settings = gateway.DatabaseSettings.ToDictionary(s => s[..s.IndexOf('=', StringComparison.Ordinal)], s => s[(s.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        await using var other = new Npgsql.NpgsqlConnection(settings["Tunai:Storage:ConnectionString"]);
        await other.OpenAsync();
        await using var change = await other.BeginTransactionAsync();
        await using (var update = new Npgsql.NpgsqlCommand("UPDATE payment_codes SET amount = 60000 WHERE code = @code", other, change))
        {
            update.Parameters.AddWithValue("code", code);
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }
        var resolving = gateway.Admin.PostAsync($"/admin/v1/reconciliations/{id}/rows/{line}/resolve", null);
        await Eventually.WaitAsync(async () =>
        {
            await using var probe = new Npgsql.NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))", other, change);
            return (long)(await probe.ExecuteScalarAsync())!;
        }, waiting => waiting > 0 || resolving.IsCompleted, "the resolution to wait for the code's row");
        await change.CommitAsync();

        var resolved = await resolving;
        var text = await resolved.Content.ReadAsStringAsync();
        Assert.True(resolved.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Equal("amount_mismatch", (string)GatewayHost.Json(text)["error"]!["code"]!);
        Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM payments WHERE trx_id = 'CASH-2'"));
        Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM journal_transactions"));
        Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM notifications"));
        Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM store_events WHERE trx_id = 'CASH-2'"));
        var code60 = await gateway.RowAsync("SELECT status, amount FROM payment_codes WHERE code = $c", ("$c", code));
        Assert.Equal(("ACTIVE", 60_000L), ((string)code60["status"]!, Convert.ToInt64(code60["amount"], System.Globalization.CultureInfo.InvariantCulture)));
        var row = GatewayHost.Json(await gateway.Admin.GetStringAsync($"/admin/v1/reconciliations/{id}"))["rows"]![0]!;
        Assert.Null(row["resolved_payment_id"]);
    }

    [Theory]
    [InlineData("trx_id,amount\nT1,5\n", "line 1")]
    [InlineData("trx_id,payment_code,amount,paid_at,store_id,terminal_id,status\nT1,123,0,2026-11-30T02:10:00Z,TZ01,,PAID\n", "line 2.amount")]
    [InlineData("trx_id,payment_code,amount,paid_at,store_id,terminal_id,status\nT1,123,5,yesterday,TZ01,,PAID\n", "line 2.paid_at")]
    [InlineData("trx_id,payment_code,amount,paid_at,store_id,terminal_id,status\nT1,123,5,2026-11-30T02:10:00Z,TZ01,,SETTLED\n", "line 2.status")]
    [InlineData("trx_id,payment_code,amount,paid_at,store_id,terminal_id,status\nT1,123,5,2026-11-30T02:10:00Z,TZ01,,PAID\nT1,124,5,2026-11-30T02:10:00Z,TZ01,,PAID\n", "line 3.trx_id")]
    [InlineData("trx_id,payment_code,amount,paid_at,store_id,terminal_id,status\nT1,123,5\n", "line 2")]
    public async Task ABrokenFileIsRefusedNamingTheLineAndKeepsNothing(string csv, string field)
    {
        await using var gateway = await GatewayHost.StartAsync(Morning);
        await TestStore.CreateAsync(gateway, "RECON");
        var (status, json) = await ImportAsync(gateway, "RECON", csv);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(field, (string?)json["error"]!["field"]);
        Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM reconciliations"));
    }

    [Fact]
    public async Task AFileMustBeCsvForAKnownAcquirerAndDay()
    {
        await using var gateway = await GatewayHost.StartAsync(Morning);
        await TestStore.CreateAsync(gateway, "RECON");
        using var json = new StringContent("{}", Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await gateway.Admin.PostAsync("/admin/v1/acquirers/RECON/reconciliations?date=2026-11-30", json)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ImportAsync(gateway, "NOPE", "trx_id,payment_code,amount,paid_at,store_id,terminal_id,status\n")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await ImportAsync(gateway, "RECON", "trx_id,payment_code,amount,paid_at,store_id,terminal_id,status\n", "30-11-2026")).Status);
    }
}
