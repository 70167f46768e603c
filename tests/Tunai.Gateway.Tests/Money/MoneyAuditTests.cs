using System.Net;
using System.Net.Http.Json;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Money;

/// <summary>Every change to money settings leaves an audit entry with who, when, before and after.</summary>
public sealed class MoneyAuditTests
{
    [Fact]
    public async Task FeesCostsAndAccountsAreAuditedWithBeforeAndAfter()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(gateway);

        await gateway.SetFeeAsync(merchant.ClientId, new { @fixed = 4000, percent = "0.50" });
        await gateway.SetCostAsync(store.AcquirerId, new { @fixed = 1500 });
        await gateway.AddSettlementAccountsAsync(merchant.ClientId, "SBA-1");
        await gateway.AddSubAccountsAsync(merchant.ClientId, "SAC-1");
        foreach (var kind in new[] { "settlement-accounts/SBA-1", "sub-accounts/SAC-1" })
        {
            using var deactivated = await gateway.Admin.PostAsJsonAsync($"/admin/v1/merchants/{merchant.ClientId}/{kind}/deactivate", new { },
                TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, deactivated.StatusCode);
        }

        var fee = await EntryAsync(gateway, "merchant.fee", merchant.ClientId);
        Assert.Contains("4000", (string)fee["after"]!, StringComparison.Ordinal);
        Assert.NotNull(fee["before"]);
        var cost = await EntryAsync(gateway, "acquirer.cost", store.AcquirerId);
        Assert.Contains("1500", (string)cost["after"]!, StringComparison.Ordinal);
        Assert.NotNull(cost["before"]);
        Assert.Contains("SBA-1", (string)(await EntryAsync(gateway, "settlement_account.create", $"{merchant.ClientId}/SBA-1"))["after"]!, StringComparison.Ordinal);
        Assert.Contains("SAC-1", (string)(await EntryAsync(gateway, "sub_account.create", $"{merchant.ClientId}/SAC-1"))["after"]!, StringComparison.Ordinal);
        foreach (var (action, target) in new[] { ("settlement_account.deactivate", "SBA-1"), ("sub_account.deactivate", "SAC-1") })
        {
            var entry = await EntryAsync(gateway, action, $"{merchant.ClientId}/{target}");
            // Active before, inactive after.
            Assert.Contains("\"active\":true", ((string)entry["before"]!).Replace(" ", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
            Assert.Contains("\"active\":false", ((string)entry["after"]!).Replace(" ", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        }
    }

    private static async Task<Dictionary<string, object?>> EntryAsync(GatewayHost gateway, string action, string target)
    {
        var entry = await gateway.RowAsync("SELECT actor, at, before, after FROM audit_log WHERE action = @action AND target = @target",
            ("action", action), ("target", target));
        Assert.False(string.IsNullOrEmpty(entry["actor"] as string), $"{action} names no actor");
        Assert.NotNull(entry["at"]);
        return entry;
    }
}
