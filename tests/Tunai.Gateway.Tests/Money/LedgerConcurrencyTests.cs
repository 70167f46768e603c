using System.Net;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Money;
using static Tunai.Gateway.Tests.Money.MoneySetup;

namespace Tunai.Gateway.Tests.Money;

/// <summary>Many payments and reversals at once, on one instance and across two on one PostgreSQL database.</summary>
public sealed class LedgerConcurrencyTests
{
    [Fact]
    public async Task ConcurrentPaymentsAndReversalsLeaveOneBalancedJournalPerPayment()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await RunAsync(gateway, gateway);
    }

    [Fact]
    public async Task TwoInstancesOnOnePostgresDatabaseKeepTheLedgerBalanced()
    {
        var database = await TestDatabase.CreatePostgresAsync();
        await using var a = await GatewayHost.StartOnAsync(database);
        await using var b = await GatewayHost.StartOnAsync(database.Borrow());
        await RunAsync(a, b);
    }

    private static async Task RunAsync(GatewayHost a, GatewayHost b)
    {
        var merchant = await a.CreateMerchantAsync();
        var storeA = await TestStore.CreateAsync(a, "CONC");
        var storeB = new TestStore(b, storeA.AcquirerId, storeA.ClientId, storeA.SecretKey);
        await a.AddSettlementAccountsAsync(merchant.ClientId, "SBA-A", "SBA-B");
        await a.AddSubAccountsAsync(merchant.ClientId, "SAC-1");
        await a.SetFeeAsync(merchant.ClientId, new { @fixed = 1000, percent = "0.70" });
        await a.SetCostAsync(storeA.AcquirerId, new { percent = "0.20", min = 500 });
        var codes = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            var (code, _) = await merchant.CreateCodeAsync(CodeWith(100_000 + i * 1_337, [Fix("SBA-A", 10_000), Percent("SBA-B", 25)], i % 2 == 0 ? "SAC-1" : null));
            codes.Add(code);
        }

        // Every code is paid twice at once (through both instances): one payment wins per code.
        var trx = codes.ToDictionary(c => c, _ => (TestStore.NewTrxId(), TestStore.NewTrxId()));
        var payments = await Task.WhenAll(codes.SelectMany((c, i) => new[]
        {
            storeA.PayAsync(c, 100_000 + i * 1_337, trx[c].Item1),
            storeB.PayAsync(c, 100_000 + i * 1_337, trx[c].Item2),
        }));
        Assert.Equal(codes.Count, payments.Count(p => p.Status == HttpStatusCode.OK));

        // Then half are reversed, twice each at once through both instances, while the other half is paid again and again.
        var won = codes.ToDictionary(c => c, c => payments[codes.IndexOf(c) * 2].Status == HttpStatusCode.OK ? trx[c].Item1 : trx[c].Item2);
        var reversals = codes.Take(20).SelectMany(c => new[] { storeA.ReverseAsync(c, won[c]), storeB.ReverseAsync(c, won[c]) });
        var repeats = codes.Skip(20).Select((c, i) => (i % 2 == 0 ? storeA : storeB).PayAsync(c, 100_000 + (i + 20) * 1_337, won[c]));
        var results = await Task.WhenAll(reversals.Concat(repeats));
        // Both sends of a reversal succeed: the second is a retry under the same trx_id and gets the first answer.
        Assert.Equal(40, results.Take(40).Count(r => r.Status == HttpStatusCode.OK));

        await a.AssertBalancedAsync();
        Assert.Equal(40, await a.CountAsync("SELECT count(*) FROM journal_transactions WHERE kind = 'PAYMENT'"));
        Assert.Equal(20, await a.CountAsync("SELECT count(*) FROM journal_transactions WHERE kind = 'REVERSAL'"));
        Assert.Equal(40, await a.CountAsync("SELECT count(*) FROM payments"));
    }
}
