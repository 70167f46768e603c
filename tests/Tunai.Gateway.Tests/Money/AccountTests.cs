using System.Net;
using System.Net.Http.Json;
using Tunai.Gateway.Tests.Infrastructure;
using static Tunai.Gateway.Tests.Money.MoneySetup;

namespace Tunai.Gateway.Tests.Money;

/// <summary>Settlement accounts and sub-accounts, and the codes that may name them.</summary>
public sealed class AccountTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHost Gateway => fixture.Gateway;

    [Fact]
    public async Task SettlementAccountsAreRegisteredListedAndDeactivated()
    {
        var merchant = await Gateway.CreateMerchantAsync();
        var path = $"/admin/v1/merchants/{merchant.ClientId}/settlement-accounts";
        var created = await Gateway.Admin.PostAsJsonAsync(path,
            new { id = "SBA-0001-123123123", bank_code = "014", account_number = "1231231230", account_name = "PT Toko Maju" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var again = await Gateway.Admin.PostAsJsonAsync(path,
            new { id = "SBA-0001-123123123", bank_code = "008", account_number = "99", account_name = "Other" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        var deactivated = await Gateway.Admin.PostAsync($"{path}/SBA-0001-123123123/deactivate", null);
        Assert.Equal(HttpStatusCode.OK, deactivated.StatusCode);
        var list = GatewayHost.Json(await Gateway.Admin.GetStringAsync(path))["items"]!.AsArray();
        var only = Assert.Single(list);
        Assert.Equal("PT Toko Maju", (string)only!["account_name"]!);
        Assert.Equal("1231231230", (string)only["account_number"]!);
        Assert.False((bool)only["active"]!);
        Assert.NotNull(only["deactivated_at"]);

        Assert.Equal(HttpStatusCode.NotFound, (await Gateway.Admin.PostAsync($"{path}/SBA-NONE/deactivate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Gateway.Admin.GetAsync("/admin/v1/merchants/nobody/settlement-accounts")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Gateway.Http.GetAsync(path)).StatusCode);
    }

    [Theory]
    [InlineData("""{"bank_code":"014","account_number":"1","account_name":"x"}""", "id")]
    [InlineData("""{"id":"SBA 1","bank_code":"014","account_number":"1","account_name":"x"}""", "id")]
    [InlineData("""{"id":"SBA-1","bank_code":"0","account_number":"1","account_name":"x"}""", "bank_code")]
    [InlineData("""{"id":"SBA-1","bank_code":"014","account_number":"12-3","account_name":"x"}""", "account_number")]
    [InlineData("""{"id":"SBA-1","bank_code":"014","account_number":"1"}""", "account_name")]
    public async Task ABadSettlementAccountIsRefusedNamingTheField(string body, string field)
    {
        var merchant = await Gateway.CreateMerchantAsync();
        var response = await Gateway.Admin.PostAsync($"/admin/v1/merchants/{merchant.ClientId}/settlement-accounts",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (string?)GatewayHost.Json(await response.Content.ReadAsStringAsync())["error"]!["field"]);
    }

    [Fact]
    public async Task SubAccountsAreRegisteredListedAndDeactivated()
    {
        var merchant = await Gateway.CreateMerchantAsync();
        var path = $"/admin/v1/merchants/{merchant.ClientId}/sub-accounts";
        Assert.Equal(HttpStatusCode.Created, (await Gateway.Admin.PostAsJsonAsync(path, new { id = "SAC-0001-1234", name = "Outlet Kemang" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Gateway.Admin.PostAsJsonAsync(path, new { id = "SAC-0001-1234", name = "Again" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Gateway.Admin.PostAsJsonAsync(path, new { id = "SAC-2" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Gateway.Admin.PostAsync($"{path}/SAC-0001-1234/deactivate", null)).StatusCode);
        var only = Assert.Single(GatewayHost.Json(await Gateway.Admin.GetStringAsync(path))["items"]!.AsArray());
        Assert.Equal("Outlet Kemang", (string)only!["name"]!);
        Assert.False((bool)only["active"]!);
    }

    [Fact]
    public async Task ACodeNamingADeactivatedOrForeignAccountIsRefusedNamingTheField()
    {
        var merchant = await Gateway.CreateMerchantAsync();
        var other = await Gateway.CreateMerchantAsync();
        await Gateway.AddSettlementAccountsAsync(merchant.ClientId, "SBA-A", "SBA-B");
        await Gateway.AddSettlementAccountsAsync(other.ClientId, "SBA-THEIRS");
        await Gateway.AddSubAccountsAsync(other.ClientId, "SAC-THEIRS");
        await Gateway.Admin.PostAsync($"/admin/v1/merchants/{merchant.ClientId}/settlement-accounts/SBA-B/deactivate", null);

        (await merchant.CreateAsync(CodeWith(100_000, [Fix("SBA-A", 1000), Fix("SBA-B", 1000)])))
            .AssertError(HttpStatusCode.BadRequest, "invalid_field", "additional_info.settlement[1].bank_account_settlement_id");
        (await merchant.CreateAsync(CodeWith(100_000, [Fix("SBA-THEIRS", 1000)])))
            .AssertError(HttpStatusCode.BadRequest, "invalid_field", "additional_info.settlement[0].bank_account_settlement_id");
        (await merchant.CreateAsync(CodeWith(100_000, account: "SAC-THEIRS")))
            .AssertError(HttpStatusCode.BadRequest, "invalid_field", "additional_info.account.id");
        Assert.Equal(0, await Gateway.CountAsync(
            "SELECT count(*) FROM payment_codes p JOIN merchants m ON m.id = p.merchant_id WHERE m.client_id = $c", ("$c", merchant.ClientId)));
        await merchant.CreateCodeAsync(CodeWith(100_000, [Fix("SBA-A", 1000)]));
    }

    [Fact]
    public async Task OverAllocationIsJudgedOnTheNetAfterTheFee()
    {
        var merchant = await Gateway.CreateMerchantAsync();
        await Gateway.AddSettlementAccountsAsync(merchant.ClientId, "SBA-A", "SBA-B");
        await Gateway.SetFeeAsync(merchant.ClientId, new { @fixed = 10_000 });

        // amount 100,000, fee 10,000: the net is 90,000.
        await merchant.CreateCodeAsync(CodeWith(100_000, [Fix("SBA-A", 45_000), Percent("SBA-B", 50)]));
        (await merchant.CreateAsync(CodeWith(100_000, [Fix("SBA-A", 45_001), Percent("SBA-B", 50)])))
            .AssertError(HttpStatusCode.BadRequest, "invalid_field", "additional_info.settlement");
        (await merchant.CreateAsync(CodeWith(100_000, [Fix("SBA-A", 90_001)])))
            .AssertError(HttpStatusCode.BadRequest, "invalid_field", "additional_info.settlement");
    }

    [Fact]
    public async Task AnAmountChangeRechecksTheSplitsAgainstTheCodesFee()
    {
        var merchant = await Gateway.CreateMerchantAsync();
        await Gateway.AddSettlementAccountsAsync(merchant.ClientId, "SBA-A", "SBA-B");
        await Gateway.SetFeeAsync(merchant.ClientId, new { @fixed = 10_000 });
        var (code, _) = await merchant.CreateCodeAsync(CodeWith(100_000, [Fix("SBA-A", 40_000), Percent("SBA-B", 50)]));
        // A later price change does not apply to this code: its fee stays 10,000.
        await Gateway.SetFeeAsync(merchant.ClientId, new { @fixed = 0 });

        // 90,000: net 80,000, 40,000 + 40,000 fits exactly; 89,999 does not.
        Assert.Equal(HttpStatusCode.OK, (await merchant.PatchAsync(new { order = new { amount = 90_000 }, online_to_offline_info = new { payment_code = code, status = "ACTIVE" } })).Status);
        (await merchant.PatchAsync(new { order = new { amount = 89_999 }, online_to_offline_info = new { payment_code = code, status = "ACTIVE" } }))
            .AssertError(HttpStatusCode.BadRequest, "invalid_field", "order.amount");
        Assert.Equal(90_000L, await Gateway.CountAsync("SELECT amount FROM payment_codes WHERE code = $c", ("$c", code)));
    }
}
