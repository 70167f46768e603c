using System.Net;
using System.Net.Http.Json;
using Tunai.Gateway.Tests.Infrastructure;
using static Tunai.Gateway.Tests.Money.MoneySetup;

namespace Tunai.Gateway.Tests.Money;

/// <summary>
/// Every CSV Tunai writes opens in a spreadsheet as text, not as formulas: the merchant's invoice number, the store's
/// trx_id and a settlement account's name, each written by a party the operator does not control, get OWASP's leading
/// <c>'</c>, while amounts (negative ones included) stay plain numbers.
/// </summary>
public sealed class CsvNeutralisationTests
{
    private static readonly DateTimeOffset Morning = new(2026, 11, 30, 3, 0, 0, TimeSpan.Zero);
    private const string Invoice = "=cmd|' /C calc'!A0";
    private const string TrxId = "@SUM(1+1)*cmd|x";
    private const string AccountName = "=HYPERLINK(\"http://evil.example\",\"pay\")";

    [Fact]
    public async Task TheTransactionsReportAndThePayoutFileNeutraliseFormulasAndKeepAmountsNumeric()
    {
        await using var gateway = await GatewayHost.StartAsync(Morning);
        var merchant = await gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(gateway);
        var account = await gateway.Admin.PostAsJsonAsync($"/admin/v1/merchants/{merchant.ClientId}/settlement-accounts",
            new { id = "SBA-X", bank_code = "014", account_number = "1231231230", account_name = AccountName });
        Assert.Equal(HttpStatusCode.Created, account.StatusCode);
        var (code, _) = await merchant.CreateCodeAsync(WithInvoice(CodeWith(100_000, [Fix("SBA-X", 60_000)]), Invoice));
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 100_000, TrxId)).Status);
        var (reversedCode, _) = await merchant.CreateCodeAsync(CodeWith(20_000));
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(reversedCode, 20_000, "-2+3")).Status);
        Assert.Equal(HttpStatusCode.OK, (await store.ReverseAsync(reversedCode, "-2+3")).Status);

        var report = await gateway.Admin.GetStringAsync(
            $"/admin/v1/reports/transactions?client_id={merchant.ClientId}&from=2026-11-30&to=2026-11-30&format=csv");
        var rows = report.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).ToList();
        var paid = rows.Single(r => r[3] == code);
        Assert.Equal("'" + Invoice, paid[4]);
        Assert.Equal("'" + TrxId, paid[2]);
        var reversal = rows.Single(r => r[0] == "REVERSAL");
        Assert.Equal("'-2+3", reversal[2]);
        Assert.Equal(["-20000", "-20000"], [reversal[7], reversal[10]]);
        Assert.All(rows, r => Assert.All(r, cell => Assert.False(cell.Length > 0 && cell[0] is '=' or '+' or '@' or '\t' or '\r', cell)));

        var closed = await gateway.Admin.PostAsJsonAsync("/admin/v1/settlements/close", new { date = "2026-11-30", client_id = merchant.ClientId });
        var batchId = (string)GatewayHost.Json(await closed.Content.ReadAsStringAsync())["items"]![0]!["id"]!;
        var payout = (await gateway.Admin.GetStringAsync($"/admin/v1/settlements/{batchId}/payout.csv")).Split("\r\n");
        var line = payout.Single(l => l.Contains("SBA-X", StringComparison.Ordinal));
        Assert.StartsWith("014,1231231230,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"pay\"\")\",60000,", line, StringComparison.Ordinal);
    }

    private static Dictionary<string, object?> WithInvoice(Dictionary<string, object?> body, string invoice)
    {
        ((Dictionary<string, object?>)body["order"]!)["invoice_number"] = invoice;
        return body;
    }
}
