using System.Net;
using System.Net.Http.Json;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Money;

/// <summary>Registers a merchant's accounts and prices through the admin API, as an operator would.</summary>
public static class MoneySetup
{
    /// <summary>Registers settlement accounts; one the merchant already has is left as it is.</summary>
    public static async Task AddSettlementAccountsAsync(this GatewayHost gateway, string clientId, params string[] ids)
    {
        foreach (var id in ids)
        {
            var response = await gateway.Admin.PostAsJsonAsync($"/admin/v1/merchants/{clientId}/settlement-accounts",
                new { id, bank_code = "014", account_number = "1231231230", account_name = $"Owner of {id}" });
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, await response.Content.ReadAsStringAsync());
        }
    }

    public static async Task AddSubAccountsAsync(this GatewayHost gateway, string clientId, params string[] ids)
    {
        foreach (var id in ids)
        {
            var response = await gateway.Admin.PostAsJsonAsync($"/admin/v1/merchants/{clientId}/sub-accounts", new { id, name = $"Outlet {id}" });
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, await response.Content.ReadAsStringAsync());
        }
    }

    public static async Task SetFeeAsync(this GatewayHost gateway, string clientId, object fee)
    {
        var response = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{clientId}", new { fee });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    public static async Task SetCostAsync(this GatewayHost gateway, string acquirerId, object cost)
    {
        var response = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/acquirers/{acquirerId}", new { cost });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A valid create body with the given settlement splits and sub-account.</summary>
    public static Dictionary<string, object?> CodeWith(long amount, object[]? settlement = null, string? account = null)
    {
        var body = TestMerchant.ValidCreate(amount: amount);
        var additional = new Dictionary<string, object?>();
        if (settlement is not null)
        {
            additional["settlement"] = settlement;
        }
        if (account is not null)
        {
            additional["account"] = new { id = account };
        }
        body["additional_info"] = additional;
        return body;
    }

    public static object Fix(string id, long value) => new { bank_account_settlement_id = id, value, type = "FIX" };

    public static object Percent(string id, decimal value) => new { bank_account_settlement_id = id, value, type = "PERCENTAGE" };
}
