using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;
using static Tunai.Gateway.Tests.Money.MoneySetup;

namespace Tunai.Gateway.Tests.Money;

/// <summary>Settlement batches: closing a business day, its lines, the payout file, marking it paid; each test on its own clock.</summary>
public sealed class SettlementTests
{
    // 10:00 WIB on 30 November 2026.
    private static readonly DateTimeOffset Morning = new(2026, 11, 30, 3, 0, 0, TimeSpan.Zero);

    private sealed record Setup(GatewayHost Gateway, TestMerchant Merchant, TestStore Store);

    private static async Task<Setup> StartAsync(DateTimeOffset now)
    {
        var gateway = await GatewayHost.StartAsync(now);
        var merchant = await gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(gateway);
        await gateway.Admin.PostAsJsonAsync($"/admin/v1/merchants/{merchant.ClientId}/settlement-accounts",
            new { id = "SBA-A", bank_code = "014", account_number = "1231231230", account_name = "PT \"Maju\", Jaya" });
        await gateway.AddSettlementAccountsAsync(merchant.ClientId, "SBA-B");
        await gateway.AddSubAccountsAsync(merchant.ClientId, "SAC-1");
        await gateway.SetFeeAsync(merchant.ClientId, new { @fixed = 2000 });
        return new Setup(gateway, merchant, store);
    }

    private static async Task<string> PayAsync(Setup s, long amount, object[]? splits = null, string? sub = null)
    {
        var (code, _) = await s.Merchant.CreateCodeAsync(CodeWith(amount, splits, sub));
        var trx = TestStore.NewTrxId();
        var paid = await s.Store.PayAsync(code, amount, trx);
        Assert.True(paid.Status == HttpStatusCode.OK, paid.Body);
        return $"{code} {trx}";
    }

    private static async Task<JsonNode> CloseAsync(GatewayHost gateway, string date, string? clientId)
    {
        var response = await gateway.Admin.PostAsJsonAsync("/admin/v1/settlements/close", new { date, client_id = clientId });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return GatewayHost.Json(text);
    }

    private static async Task<JsonNode> BatchAsync(GatewayHost gateway, string id) =>
        GatewayHost.Json(await gateway.Admin.GetStringAsync($"/admin/v1/settlements/{id}"));

    private static Dictionary<string, long> Lines(JsonNode batch) =>
        batch["lines"]!.AsArray().ToDictionary(l => (string)l!["payee"]!, l => (long)l!["amount"]!);

    [Fact]
    public async Task ABatchsLinesAreItsPayeesPostingsAndThePayoutCsvParsesBackToThem()
    {
        var s = await StartAsync(Morning);
        await using var _ = s.Gateway;
        // 100,000 - 2,000 fee = 98,000: 30,000 FIX to A, 50 % = 49,000 to B, 19,000 to SAC-1.
        await PayAsync(s, 100_000, [Fix("SBA-A", 30_000), Percent("SBA-B", 50)], "SAC-1");
        // 50,000 - 2,000 = 48,000 to the merchant's balance.
        await PayAsync(s, 50_000);
        var reversed = (await PayAsync(s, 40_000, [Fix("SBA-A", 10_000)])).Split(' ');
        Assert.Equal(HttpStatusCode.OK, (await s.Store.ReverseAsync(reversed[0], reversed[1])).Status);

        var closed = await CloseAsync(s.Gateway, "2026-11-30", s.Merchant.ClientId);
        var id = (string)closed["items"]![0]!["id"]!;
        Assert.Equal($"STL-20261130-{s.Merchant.ClientId}", id);
        var batch = await BatchAsync(s.Gateway, id);
        Assert.Equal("CLOSED", (string)batch["status"]!);
        Assert.Equal(new Dictionary<string, long> { ["SBA-A"] = 30_000, ["SBA-B"] = 49_000, ["SAC-1"] = 19_000, ["merchant"] = 48_000 }, Lines(batch));
        Assert.Equal(146_000, (long)batch["total"]!);
        // The lines are exactly the payees' postings.
        Assert.Equal(-146_000, await s.Gateway.CountAsync(
            "SELECT sum(p.amount) FROM postings p JOIN settled_postings s ON s.posting_id = p.id JOIN settlement_batches b ON b.id = s.batch_id WHERE b.batch_id = $b",
            ("$b", id)));

        var csv = await s.Gateway.Admin.GetAsync($"/admin/v1/settlements/{id}/payout.csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var rows = ParseCsv(await csv.Content.ReadAsStringAsync());
        Assert.Equal(["bank_code", "account_number", "account_name", "amount", "reference", "payee_type", "payee"], rows[0]);
        var byPayee = rows.Skip(1).ToDictionary(r => r[6]);
        Assert.Equal(4, byPayee.Count);
        var lineOfA = (int)batch["lines"]!.AsArray().Single(l => (string)l!["payee"]! == "SBA-A")!["line"]!;
        Assert.Equal(["014", "1231231230", "PT \"Maju\", Jaya", "30000", $"{id}-{lineOfA}", "SETTLEMENT_ACCOUNT", "SBA-A"], byPayee["SBA-A"]);
        Assert.Equal(Lines(batch), byPayee.ToDictionary(r => r.Key, r => long.Parse(r.Value[3], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task ClosingTheSameDayAgainChangesNothingAndLatePaymentsGoToTheNextBatch()
    {
        var s = await StartAsync(Morning);
        await using var _ = s.Gateway;
        await PayAsync(s, 100_000);
        var first = await CloseAsync(s.Gateway, "2026-11-30", null);
        var id = (string)Assert.Single(first["items"]!.AsArray())!["id"]!;

        await PayAsync(s, 10_000);
        var again = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => CloseAsync(s.Gateway, "2026-11-30", s.Merchant.ClientId)));
        Assert.All(again, a => Assert.Equal(id, (string)a["items"]![0]!["id"]!));
        Assert.Equal(98_000, Lines(await BatchAsync(s.Gateway, id))["merchant"]);
        Assert.Equal(1, await s.Gateway.CountAsync("SELECT count(*) FROM settlement_batches"));

        s.Gateway.Time.Advance(TimeSpan.FromDays(1));
        var next = await CloseAsync(s.Gateway, "2026-12-01", s.Merchant.ClientId);
        Assert.Equal(8_000, Lines(await BatchAsync(s.Gateway, (string)next["items"]![0]!["id"]!))["merchant"]);

        var listed = GatewayHost.Json(await s.Gateway.Admin.GetStringAsync($"/admin/v1/settlements?client_id={s.Merchant.ClientId}"))["items"]!.AsArray();
        Assert.Equal(2, listed.Count);
        Assert.Single(GatewayHost.Json(await s.Gateway.Admin.GetStringAsync("/admin/v1/settlements?date=2026-12-01"))["items"]!.AsArray());
    }

    [Fact]
    public async Task ANegativeLineIsCarriedForwardAndNotPaid()
    {
        // 23:55 WIB: paid, and the day closed early; the reversal ten minutes later falls on the next day.
        var s = await StartAsync(new DateTimeOffset(2026, 11, 30, 16, 55, 0, TimeSpan.Zero));
        await using var _ = s.Gateway;
        var paid = (await PayAsync(s, 100_000, [Fix("SBA-A", 50_000)])).Split(' ');
        await CloseAsync(s.Gateway, "2026-11-30", s.Merchant.ClientId);
        s.Gateway.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(HttpStatusCode.OK, (await s.Store.ReverseAsync(paid[0], paid[1])).Status);

        var dec1 = await BatchAsync(s.Gateway, (string)(await CloseAsync(s.Gateway, "2026-12-01", s.Merchant.ClientId))["items"]![0]!["id"]!);
        Assert.Equal(new Dictionary<string, long> { ["SBA-A"] = -50_000, ["merchant"] = -48_000 }, Lines(dec1));
        Assert.All(dec1["lines"]!.AsArray(), l => Assert.True((bool)l!["carried_forward"]!));
        Assert.Equal(0, (long)dec1["total"]!);
        var csv = await s.Gateway.Admin.GetStringAsync($"/admin/v1/settlements/{(string)dec1["id"]!}/payout.csv");
        Assert.Single(ParseCsv(csv));

        // The next day's payment is netted against what was carried.
        s.Gateway.Time.Advance(TimeSpan.FromDays(1));
        await PayAsync(s, 202_000, [Fix("SBA-A", 80_000)]);
        var dec2 = await BatchAsync(s.Gateway, (string)(await CloseAsync(s.Gateway, "2026-12-02", s.Merchant.ClientId))["items"]![0]!["id"]!);
        Assert.Equal(new Dictionary<string, long> { ["SBA-A"] = 30_000, ["merchant"] = 72_000 }, Lines(dec2));
    }

    [Fact]
    public async Task ABatchIsMarkedPaidOnce()
    {
        var s = await StartAsync(Morning);
        await using var _ = s.Gateway;
        await PayAsync(s, 100_000);
        var id = (string)(await CloseAsync(s.Gateway, "2026-11-30", s.Merchant.ClientId))["items"]![0]!["id"]!;
        var paid = await s.Gateway.Admin.PostAsJsonAsync($"/admin/v1/settlements/{id}/paid", new { reference = "BCA-TRF-0001" });
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        Assert.Equal("PAID", (string)GatewayHost.Json(await paid.Content.ReadAsStringAsync())["status"]!);
        Assert.Equal(HttpStatusCode.OK, (await s.Gateway.Admin.PostAsJsonAsync($"/admin/v1/settlements/{id}/paid", new { reference = "BCA-TRF-0001" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await s.Gateway.Admin.PostAsJsonAsync($"/admin/v1/settlements/{id}/paid", new { reference = "OTHER" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await s.Gateway.Admin.PostAsJsonAsync($"/admin/v1/settlements/{id}/paid", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await s.Gateway.Admin.PostAsJsonAsync("/admin/v1/settlements/STL-NONE/paid", new { reference = "x" })).StatusCode);
        Assert.Equal("BCA-TRF-0001", (string)(await BatchAsync(s.Gateway, id))["reference"]!);
    }

    [Theory]
    [InlineData("2026-13-01")]
    [InlineData("30-11-2026")]
    [InlineData("2026-12-01")] // tomorrow, WIB
    public async Task ADateThatIsNotAPastOrPresentBusinessDayIsRefused(string date)
    {
        await using var gateway = await GatewayHost.StartAsync(Morning);
        var response = await gateway.Admin.PostAsJsonAsync("/admin/v1/settlements/close", new { date });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("date", (string?)GatewayHost.Json(await response.Content.ReadAsStringAsync())["error"]!["field"]);
    }

    [Fact]
    public async Task TheDayClosesByItselfAtTheCutOff()
    {
        // 23:30 WIB; the default cut-off is 00:00 WIB, T+1.
        var s = await StartAsync(new DateTimeOffset(2026, 11, 30, 16, 30, 0, TimeSpan.Zero));
        await using var _ = s.Gateway;
        await PayAsync(s, 100_000);
        Assert.Equal(0, await s.Gateway.CountAsync("SELECT count(*) FROM settlement_batches"));

        s.Gateway.Time.Advance(TimeSpan.FromMinutes(30));
        await Eventually.WaitAsync(() => s.Gateway.CountAsync("SELECT count(*) FROM settlement_batches WHERE business_date = '2026-11-30'"),
            n => n == 1, "the batch of 30 November closed at the cut-off");
    }

    /// <summary>RFC 4180: CRLF records, quoted fields with doubled quotes.</summary>
    private static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (ch == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                rows.Add([.. fields]);
                fields.Clear();
                i++;
            }
            else
            {
                Assert.NotEqual('\n', ch);
                field.Append(ch);
            }
        }
        Assert.Equal(0, field.Length + fields.Count);
        return rows;
    }
}
