using System.Net;
using System.Net.Http.Json;
using Tunai.Gateway.Tests.Infrastructure;
using Role = Tunai.Gateway.BackOffice.Roles;

namespace Tunai.Gateway.Tests.BackOffice;

/// <summary>
/// Every list page's CSV file over real HTTP: linked from the page with the page's own query, holding the rows the page
/// filters to, neutralised for spreadsheets, and refused or limited exactly as the page is.
/// </summary>
public sealed class CsvExportTests : IAsyncLifetime
{
    /// <summary>The gateway's day: a Monday, its clock at 10:00 WIB, so today is a business day that may be closed.</summary>
    private const string Today = "2026-12-07";

    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await GatewayHost.StartAsync(new DateTimeOffset(2026, 12, 7, 3, 0, 0, TimeSpan.Zero));

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    private async Task<BackOfficeHttp> SignedInAsync(string role, TestMerchant? merchant = null)
    {
        var client = new BackOfficeHttp(_gateway);
        var merchantId = merchant is null ? (long?)null : await BackOfficeAccounts.MerchantIdAsync(_gateway, merchant.ClientId);
        var signIn = await client.SignInAsync(await BackOfficeAccounts.AddAsync(_gateway, role, merchantId), BackOfficeAccounts.Password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.Status);
        return client;
    }

    /// <summary>A merchant with one code paid at the store, and its closed settlement batch for today.</summary>
    private async Task<(TestMerchant Merchant, string Code)> PaidAsync(string name = "Toko CSV")
    {
        var merchant = await _gateway.CreateMerchantAsync(new { name });
        var (code, _) = await merchant.CreateCodeAsync();
        var store = await TestStore.CreateAsync(_gateway, "ALFA_" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant());
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);
        using var closed = await _gateway.Admin.PostAsJsonAsync("/admin/v1/settlements/close", new { date = Today, client_id = merchant.ClientId });
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        return (merchant, code);
    }

    /// <summary>The file's lines without the header, after checking its type and header.</summary>
    private static async Task<string[]> RowsAsync(BackOfficeHttp client, string path, string header)
    {
        var (status, body, _) = await client.GetAsync(path);
        Assert.True(status == HttpStatusCode.OK, $"{path}: {status}");
        Assert.EndsWith("\r\n", body, StringComparison.Ordinal);
        var lines = body.Split("\r\n")[..^1];
        Assert.Equal(header, lines[0]);
        return lines[1..];
    }

    [Fact]
    public async Task EveryListPageLinksToItsCsvFileWithItsOwnQuery()
    {
        var (merchant, code) = await PaidAsync();
        using var admin = await SignedInAsync(Role.Admin);
        var pages = new[]
        {
            $"/backoffice/search?q={code}", $"/backoffice/notifications?merchant={merchant.ClientId}&status=PENDING", "/backoffice/merchants",
            $"/backoffice/settlements?merchant={merchant.ClientId}&date={Today}", "/backoffice/reconciliations?acquirer=ALFA",
            "/backoffice/audit?action=merchant.create", "/backoffice/operators",
        };
        foreach (var page in pages)
        {
            var (status, body, _) = await admin.GetAsync(page);
            Assert.Equal(HttpStatusCode.OK, status);
            var question = page.IndexOf('?', StringComparison.Ordinal);
            var csv = question < 0 ? page + ".csv" : page[..question] + ".csv" + page[question..];
            Assert.Contains($"href=\"{csv.Replace("&", "&amp;", StringComparison.Ordinal)}\"", body, StringComparison.Ordinal);
            var file = await admin.GetAsync(csv);
            Assert.Equal(HttpStatusCode.OK, file.Status);
        }
    }

    [Fact]
    public async Task EachFileHoldsThePagesRowsUnderItsFilters()
    {
        var (merchant, code) = await PaidAsync();
        var (other, otherCode) = await PaidAsync("Toko Lain");
        using var admin = await SignedInAsync(Role.Admin);

        var codes = await RowsAsync(admin, $"/backoffice/search.csv?q={code}",
            "code,client_id,merchant,invoice_number,amount,status,customer_name,created_at,expires_at");
        var row = Assert.Single(codes);
        Assert.StartsWith($"{code},{merchant.ClientId},Toko CSV,INV-", row, StringComparison.Ordinal);
        Assert.Contains(",150000,PAID,Anton Budiman,2026-12-07T10:00:00+07:00,2026-12-07T11:00:00+07:00", row, StringComparison.Ordinal);

        const string notificationHeader = "notification_id,created_at,client_id,code,payment_id,event,status,attempts,max_attempts,last_status,last_error,delivered_at,request_id";
        var pending = await RowsAsync(admin, $"/backoffice/notifications.csv?merchant={merchant.ClientId}&status=PENDING", notificationHeader);
        Assert.Contains($",{merchant.ClientId},{code},", Assert.Single(pending), StringComparison.Ordinal);
        Assert.Empty(await RowsAsync(admin, $"/backoffice/notifications.csv?merchant={merchant.ClientId}&status=DELIVERED", notificationHeader));
        Assert.Equal(2, (await RowsAsync(admin, "/backoffice/notifications.csv", notificationHeader)).Length);

        var merchants = await RowsAsync(admin, "/backoffice/merchants.csv", "name,client_id,code_prefix,notification_url,inquiry_url,created_at");
        Assert.Contains(merchants, m => m.StartsWith($"Toko CSV,{merchant.ClientId},", StringComparison.Ordinal));
        Assert.Contains(merchants, m => m.StartsWith($"Toko Lain,{other.ClientId},", StringComparison.Ordinal));

        var batches = await RowsAsync(admin, $"/backoffice/settlements.csv?merchant={merchant.ClientId}&date={Today}",
            "batch_id,client_id,business_date,status,total,closed_at,paid_at,paid_reference");
        Assert.StartsWith($"STL-20261207-{merchant.ClientId},{merchant.ClientId},{Today},", Assert.Single(batches), StringComparison.Ordinal);

        var audit = await RowsAsync(admin, "/backoffice/audit.csv?action=merchant.create", "at,actor,role,address,action,target,before,after");
        Assert.Equal(2, audit.Length);
        Assert.All(audit, a => Assert.Contains(",merchant.create,", a, StringComparison.Ordinal));

        var operators = await RowsAsync(admin, "/backoffice/operators.csv", "email,role,client_id,created_at");
        Assert.Contains(operators, o => o.StartsWith("admin-", StringComparison.Ordinal) && o.Contains(",Admin,,", StringComparison.Ordinal));

        var imports = await RowsAsync(admin, "/backoffice/reconciliations.csv?acquirer=ALFA",
            "reconciliation_id,acquirer,business_date,imported_at,matched,amount_mismatch,status_mismatch,unknown_to_tunai,missing_from_file");
        Assert.Empty(imports);
        Assert.DoesNotContain(otherCode, string.Join("\n", codes), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CellsASpreadsheetWouldComputeAreWrittenAsText()
    {
        var formula = await _gateway.CreateMerchantAsync(new { name = "=HYPERLINK(\"http://example.test\",\"pay, here\")" });
        var plus = await _gateway.CreateMerchantAsync(new { name = "+62 Toko" });
        using var admin = await SignedInAsync(Role.Admin);

        var merchants = await RowsAsync(admin, "/backoffice/merchants.csv", "name,client_id,code_prefix,notification_url,inquiry_url,created_at");

        // The formula gets a leading ', then the field is quoted (it holds a comma and quotes) with its quotes doubled.
        Assert.Contains(merchants, m => m.StartsWith($"\"'=HYPERLINK(\"\"http://example.test\"\",\"\"pay, here\"\")\",{formula.ClientId},", StringComparison.Ordinal));
        Assert.Contains(merchants, m => m.StartsWith($"'+62 Toko,{plus.ClientId},", StringComparison.Ordinal));
        Assert.DoesNotContain(merchants, m => m.StartsWith('=') || m.StartsWith('+'));
    }

    [Fact]
    public async Task AMerchantUserExportsItsOwnRowsOnlyAndNoStaffList()
    {
        var (merchant, code) = await PaidAsync();
        var (other, otherCode) = await PaidAsync("Toko Lain");
        using var merchantUser = await SignedInAsync(Role.Merchant, merchant);

        foreach (var path in new[]
        {
            $"/backoffice/notifications.csv?merchant={other.ClientId}", "/backoffice/merchants.csv",
            $"/backoffice/settlements.csv?merchant={other.ClientId}", $"/backoffice/search.csv?q={otherCode}",
        })
        {
            var (status, body, _) = await merchantUser.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.DoesNotContain(other.ClientId, body, StringComparison.Ordinal);
            Assert.DoesNotContain(otherCode, body, StringComparison.Ordinal);
        }
        Assert.Contains(code, (await merchantUser.GetAsync("/backoffice/notifications.csv")).Body, StringComparison.Ordinal);
        Assert.Contains(merchant.ClientId, (await merchantUser.GetAsync("/backoffice/settlements.csv")).Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await merchantUser.GetAsync("/backoffice/reconciliations.csv")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await merchantUser.GetAsync("/backoffice/audit.csv")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await merchantUser.GetAsync("/backoffice/operators.csv")).Status);
    }

    [Fact]
    public async Task TheStaffOnlyFilesAreRefusedAsTheirPagesAre()
    {
        using var viewer = await SignedInAsync(Role.Viewer);
        using var anonymous = new BackOfficeHttp(_gateway);

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/backoffice/audit.csv")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/backoffice/operators.csv")).Status);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/backoffice/reconciliations.csv")).Status);
        foreach (var file in new[] { "search", "notifications", "merchants", "settlements", "reconciliations", "audit", "operators" })
        {
            var (status, body, _) = await anonymous.GetAsync($"/backoffice/{file}.csv");
            Assert.NotEqual(HttpStatusCode.OK, status);
            Assert.DoesNotContain(",", body, StringComparison.Ordinal);
        }
    }
}
