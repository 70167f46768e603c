using System.Net;
using FsCheck;
using FsCheck.Fluent;
using Tunai.Gateway.Ledger;
using Tunai.Gateway.Fees;
using Tunai.Gateway.Settlement;
using Tunai.Gateway.Reconciliation;
using Tunai.Gateway.PaymentCodes;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Store;
using static Tunai.Gateway.Tests.Money.MoneySetup;

namespace Tunai.Gateway.Tests.Money;

/// <summary>
/// Random fee schedules, costs, splits, amounts, payments and reversals. The expected amounts come from
/// <see cref="Oracle"/>, the rules written out again independently (decimal rounding instead of the
/// gateway's integer arithmetic), never from the gateway's own function.
/// </summary>
public sealed class LedgerProperties(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static int _acquirers;

    public sealed record Split(string Account, bool IsFix, decimal Value);

    public sealed record Price(long Fixed, long Hundredths, long Min, long? Max);

    /// <summary>The rules of issue 17, as a reader of the issue would compute them.</summary>
    public static class Oracle
    {
        public static long Fee(long amount, Price p)
        {
            var fee = p.Fixed + (long)Math.Round(amount * p.Hundredths / 10_000m, MidpointRounding.AwayFromZero);
            fee = Math.Max(fee, p.Min);
            if (p.Max is { } max)
            {
                fee = Math.Min(fee, max);
            }
            return Math.Min(Math.Max(fee, 0), amount);
        }

        public static bool Refused(long amount, long net, IReadOnlyList<Split> splits)
        {
            var fix = splits.Where(s => s.IsFix).Sum(s => s.Value);
            var percent = splits.Where(s => !s.IsFix).Sum(s => s.Value);
            return percent > 100 || fix > amount || fix + percent * net / 100 > net;
        }

        /// <summary>Each payee's share, keyed by its account address; only for splits that are not refused.</summary>
        public static Dictionary<string, long> Shares(string clientId, long net, IReadOnlyList<Split> splits, string? sub)
        {
            var shares = new Dictionary<string, long>();
            void Add(string account, long amount) => shares[account] = shares.GetValueOrDefault(account) + amount;
            var given = 0L;
            foreach (var s in splits.Where(s => s.IsFix))
            {
                Add($"merchant:{clientId}:settlement:{s.Account}", (long)s.Value);
                given += (long)s.Value;
            }
            foreach (var s in splits.Where(s => !s.IsFix))
            {
                var share = (long)Math.Floor(net * s.Value / 100);
                Add($"merchant:{clientId}:settlement:{s.Account}", share);
                given += share;
            }
            Add(sub is null ? $"merchant:{clientId}:balance" : $"merchant:{clientId}:sub:{sub}", net - given);
            return shares;
        }
    }

    private static readonly Gen<Split> SplitGen =
        from isFix in Gen.Elements(true, false)
        from account in Gen.Elements("SBA-A", "SBA-B", "SBA-C")
        from fix in Gen.Choose(1, 400_000)
        from hundredths in Gen.Choose(1, 6_000)
        select new Split(account, isFix, isFix ? fix : hundredths / 100m);

    private static readonly Gen<Price> PriceGen =
        from fixedPart in Gen.Elements(0, 0, 1_000, 4_000, 2_500)
        from hundredths in Gen.Choose(0, 300)
        from min in Gen.Elements(0, 0, 1_500)
        from max in Gen.Elements<long?>(null, null, 5_000, 20_000)
        select new Price(fixedPart, hundredths, min, max is { } m ? Math.Max(m, min) : null);

    [Fact]
    public void ThePostingsOfAnyPaymentSumToZeroAndNoPayeeGetsMoreThanTheRules()
    {
        var gen =
            from amount in Gen.Choose(1, 2_000_000_000)
            from fee in PriceGen
            from cost in PriceGen
            from count in Gen.Choose(0, 4)
            from splits in Gen.ArrayOf(SplitGen, count)
            from sub in Gen.Elements<string?>(null, "SAC-1")
            select (Amount: (long)amount, Fee: fee, Cost: cost, Splits: splits.ToList(), Sub: sub);
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(3_000), Prop.ForAll(Arb.From(gen), c =>
        {
            var money = Postings.Compute(c.Amount, new FeeSchedule(c.Fee.Fixed, c.Fee.Hundredths, c.Fee.Min, c.Fee.Max),
                new FeeSchedule(c.Cost.Fixed, c.Cost.Hundredths, c.Cost.Min, c.Cost.Max),
                c.Splits.Select(s => new SettlementSplit(s.Account, s.Value, s.IsFix ? "FIX" : "PERCENTAGE")).ToList(), c.Sub, "M1", "ACQ");
            Assert.Equal(0, money.Lines.Sum(l => l.Amount));
            Assert.Equal(Oracle.Fee(c.Amount, c.Fee), money.Fee);
            Assert.Equal(Oracle.Fee(c.Amount, c.Cost), money.AcquirerCost);
            Assert.Equal(c.Amount - money.Fee, money.Net);
            Assert.Equal(money.Net, money.Shares.Sum(s => s.Amount));
            Assert.All(money.Shares, s => Assert.True(s.Amount >= 0));
            // Whatever the splits, a payee never gets more than its rule gives.
            var fixShares = money.Shares.Where(s => s.SplitType == "FIX").ToList();
            var percentShares = money.Shares.Where(s => s.SplitType == "PERCENTAGE").ToList();
            var fixRules = c.Splits.Where(s => s.IsFix).ToList();
            var percentRules = c.Splits.Where(s => !s.IsFix).ToList();
            for (var i = 0; i < fixRules.Count; i++)
            {
                Assert.True(fixShares[i].Amount <= (long)fixRules[i].Value);
            }
            for (var i = 0; i < percentRules.Count; i++)
            {
                Assert.True(percentShares[i].Amount <= (long)Math.Floor(money.Net * percentRules[i].Value / 100));
            }
            // And a code the rules accept pays every payee exactly its rule.
            if (!Oracle.Refused(c.Amount, money.Net, c.Splits))
            {
                Assert.False(Postings.IsOverAllocated(money.Net, c.Splits.Select(s => new SettlementSplit(s.Account, s.Value, s.IsFix ? "FIX" : "PERCENTAGE")).ToList()));
                var expected = Oracle.Shares("M1", money.Net, c.Splits, c.Sub);
                var actual = money.Lines.Where(l => l.Role == PostingRole.Payable).GroupBy(l => l.Account).ToDictionary(g => g.Key, g => -g.Sum(l => l.Amount));
                Assert.Equal(expected.OrderBy(e => e.Key), actual.OrderBy(e => e.Key));
            }
        }));
    }

    public abstract record Move;

    public sealed record SetFee(Price Price) : Move;

    public sealed record SetCost(Price Price) : Move;

    public sealed record Pay(long Amount, List<Split> Splits, bool ToSub) : Move;

    public sealed record Reverse(int Pick) : Move;

    private static readonly Gen<Move> MoveGen = Gen.Frequency([
        (1, PriceGen.Select(p => (Move)new SetFee(p))),
        (1, PriceGen.Select(p => (Move)new SetCost(p with { Hundredths = p.Hundredths / 3 }))),
        (4, from amount in Gen.Choose(1, 3_000_000)
            from count in Gen.Choose(0, 3)
            from splits in Gen.ArrayOf(SplitGen, count)
            from toSub in Gen.Elements(true, false)
            select (Move)new Pay(amount, splits.ToList(), toSub)),
        (2, Gen.Choose(0, 1_000).Select(i => (Move)new Reverse(i)))]);

    [Fact]
    public void InterleavedPaymentsAndReversalsKeepEveryBalanceEqualToTheRules()
    {
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(25), Prop.ForAll(Arb.From(Gen.Choose(1, 10).SelectMany(n => Gen.ArrayOf(MoveGen, n))), steps =>
            Task.Run(() => RunAsync(steps.ToList())).GetAwaiter().GetResult()));
    }

    private async Task RunAsync(List<Move> steps)
    {
        var gateway = fixture.Gateway;
        var merchant = await gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(gateway, $"PROP{Interlocked.Increment(ref _acquirers)}");
        await gateway.AddSettlementAccountsAsync(merchant.ClientId, "SBA-A", "SBA-B", "SBA-C");
        await gateway.AddSubAccountsAsync(merchant.ClientId, "SAC-1");
        var fee = new Price(0, 0, 0, null);
        var cost = new Price(0, 0, 0, null);
        var expected = new Dictionary<string, long>();
        var paid = new List<(string Code, string Trx, Dictionary<string, long> Lines, bool Reversed)>();
        void Post(Dictionary<string, long> lines, int sign)
        {
            foreach (var (account, amount) in lines)
            {
                expected[account] = expected.GetValueOrDefault(account) + sign * amount;
            }
        }

        foreach (var move in steps)
        {
            switch (move)
            {
                case SetFee s:
                    await gateway.SetFeeAsync(merchant.ClientId, new { @fixed = s.Price.Fixed, percent = Percent(s.Price.Hundredths), min = s.Price.Min, max = s.Price.Max });
                    fee = s.Price;
                    break;
                case SetCost s:
                    await gateway.SetCostAsync(store.AcquirerId, new { @fixed = s.Price.Fixed, percent = Percent(s.Price.Hundredths), min = s.Price.Min, max = s.Price.Max });
                    cost = s.Price;
                    break;
                case Pay p:
                    var sub = p.ToSub ? "SAC-1" : null;
                    var splits = p.Splits.Select(s => s.IsFix ? Fix(s.Account, (long)s.Value) : MoneySetup.Percent(s.Account, s.Value)).ToArray();
                    var created = await merchant.CreateAsync(CodeWith(p.Amount, splits.Length == 0 ? null : splits, sub));
                    var feeAmount = Oracle.Fee(p.Amount, fee);
                    var net = p.Amount - feeAmount;
                    if (Oracle.Refused(p.Amount, net, p.Splits))
                    {
                        created.AssertError(HttpStatusCode.BadRequest, "invalid_field", "additional_info.settlement");
                        break;
                    }
                    Assert.True(created.Status == HttpStatusCode.OK, created.Body);
                    var code = (string)created.Json["online_to_offline_info"]!["payment_code"]!;
                    var trx = TestStore.NewTrxId();
                    var payment = await store.PayAsync(code, p.Amount, trx);
                    Assert.True(payment.Status == HttpStatusCode.OK, payment.Body);
                    var costAmount = Oracle.Fee(p.Amount, cost);
                    var lines = Oracle.Shares(merchant.ClientId, net, p.Splits, sub).ToDictionary(e => e.Key, e => -e.Value);
                    lines[$"acquirer:{store.AcquirerId}:receivable"] = p.Amount - costAmount;
                    lines[$"acquirer:{store.AcquirerId}:cost"] = costAmount;
                    lines["operator:fee_revenue"] = -feeAmount;
                    Post(lines, +1);
                    paid.Add((code, trx, lines, false));
                    break;
                case Reverse r when paid.Any(x => !x.Reversed):
                    var open = paid.Select((x, i) => (x, i)).Where(e => !e.x.Reversed).ToList();
                    var (target, index) = open[r.Pick % open.Count];
                    Assert.Equal(HttpStatusCode.OK, (await store.ReverseAsync(target.Code, target.Trx)).Status);
                    Post(target.Lines, -1);
                    paid[index] = target with { Reversed = true };
                    break;
            }

            // After each step: every balance (the sum of its postings) is what the rules give, and the ledger balances.
            var actual = await BalancesAsync(gateway, merchant.ClientId);
            Assert.Equal(expected.Where(e => e.Value != 0).OrderBy(e => e.Key, StringComparer.Ordinal),
                actual.Where(e => e.Value != 0).OrderBy(e => e.Key, StringComparer.Ordinal));
            await gateway.AssertBalancedAsync();
        }
    }

    private static string Percent(long hundredths) => (hundredths / 100m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<Dictionary<string, long>> BalancesAsync(GatewayHost gateway, string clientId)
    {
        var accounts = await gateway.CountAsync("SELECT count(DISTINCT account) FROM postings WHERE merchant_id = (SELECT id FROM merchants WHERE client_id = $c)", ("$c", clientId));
        var balances = new Dictionary<string, long>();
        for (var i = 0; i < accounts; i++)
        {
            var row = await gateway.RowAsync(
                $"SELECT account, sum(amount) AS balance FROM postings WHERE merchant_id = (SELECT id FROM merchants WHERE client_id = $c) GROUP BY account ORDER BY account LIMIT 1 OFFSET {i}",
                ("$c", clientId));
            balances[(string)row["account"]!] = Convert.ToInt64(row["balance"], System.Globalization.CultureInfo.InvariantCulture);
        }
        return balances;
    }
}
