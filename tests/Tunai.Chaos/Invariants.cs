using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Chaos;

/// <summary>One invariant's outcome: what was checked, and the first few counterexamples.</summary>
internal sealed record Verdict(string Name, bool Holds, string Detail);

/// <summary>
/// The checks after a run, against what the tills were answered. Settlement goes through the admin API; payments,
/// journal transactions and postings are read from the database, which no API lists whole.
/// </summary>
internal static class Invariants
{
    private sealed class PaymentRow
    {
        public string PaymentId { get; init; } = "";
        public string TrxId { get; init; } = "";
        public long Amount { get; init; }
        public string Status { get; init; } = "";
    }

    private sealed class JournalRow
    {
        public long Id { get; init; }
        public string TrxId { get; init; } = "";
        public string Kind { get; init; } = "";
    }

    private sealed class PostingRow
    {
        public long JournalId { get; init; }
        public string Account { get; init; } = "";
        public long Amount { get; init; }
    }

    public static async Task<IReadOnlyList<Verdict>> CheckAsync(Cluster cluster, Traffic traffic, IReadOnlyList<ChaosMerchant> merchants,
        IReadOnlyList<string> businessDates, CancellationToken ct)
    {
        List<PaymentRow> payments;
        List<JournalRow> journals;
        List<PostingRow> postings;
        await using (var c = cluster.Database.Open(forReading: true))
        {
            payments = (await c.QueryAsync<PaymentRow>(
                "SELECT payment_id AS PaymentId, trx_id AS TrxId, amount AS Amount, status AS Status FROM payments")).ToList();
            journals = (await c.QueryAsync<JournalRow>(
                "SELECT j.id AS Id, p.trx_id AS TrxId, j.kind AS Kind FROM journal_transactions j JOIN payments p ON p.id = j.payment_id")).ToList();
            postings = (await c.QueryAsync<PostingRow>("SELECT journal_id AS JournalId, account AS Account, amount AS Amount FROM postings")).ToList();
        }
        var tills = traffic.Payments.ToList();
        var verdicts = new List<Verdict>
        {
            ExactlyOnce(tills, payments),
            NoneUnanswered(tills, payments),
            Balanced(journals, postings),
        };
        var expected = ExpectedBalances(tills);
        verdicts.Add(Balances(expected, postings));
        verdicts.Add(JournalEntries(tills, payments, journals, postings));
        verdicts.Add(Notified(tills, merchants));
        verdicts.Add(await SettlementAsync(cluster, merchants, businessDates, expected, ct));
        verdicts.Add(new Verdict("every duplicate was answered as the first request", traffic.DuplicateMismatches.IsEmpty,
            $"{traffic.Duplicates} duplicates" + Examples(traffic.DuplicateMismatches)));
        return verdicts;
    }

    /// <summary>Each acknowledged payment exists exactly once, with the id and amount its till was told.</summary>
    private static Verdict ExactlyOnce(List<TillPayment> tills, List<PaymentRow> payments)
    {
        var byTrx = payments.ToLookup(p => p.TrxId);
        var wrong = tills.Where(t => t.PaymentId is not null)
            .Where(t => byTrx[t.TrxId].Count() != 1 || byTrx[t.TrxId].Single().PaymentId != t.PaymentId || byTrx[t.TrxId].Single().Amount != t.Amount)
            .Select(t => $"{t.TrxId}: answered {t.PaymentId}, stored [{string.Join(", ", byTrx[t.TrxId].Select(p => p.PaymentId))}]")
            .ToList();
        return new Verdict("each acknowledged payment exists exactly once", wrong.Count == 0,
            $"{tills.Count(t => t.PaymentId is not null)} acknowledged, {payments.Count} stored" + Examples(wrong));
    }

    /// <summary>Every stored payment's request was answered success; a declined one left no payment.</summary>
    private static Verdict NoneUnanswered(List<TillPayment> tills, List<PaymentRow> payments)
    {
        var answered = tills.ToDictionary(t => t.TrxId);
        var wrong = payments.Where(p => !answered.TryGetValue(p.TrxId, out var till) || till.PaymentId is null)
            .Select(p => $"{p.PaymentId} ({p.TrxId}): its request was answered " +
                (answered.TryGetValue(p.TrxId, out var till) ? till.Answer : "never"))
            .ToList();
        return new Verdict("no payment without a success answer, none for a declined request", wrong.Count == 0,
            $"{tills.Count(t => t.PaymentId is null)} declined" + Examples(wrong));
    }

    private static Verdict Balanced(List<JournalRow> journals, List<PostingRow> postings)
    {
        var sums = postings.GroupBy(p => p.JournalId).ToDictionary(g => g.Key, g => g.Sum(p => p.Amount));
        var wrong = journals.Where(j => !sums.TryGetValue(j.Id, out var sum) || sum != 0)
            .Select(j => $"journal {j.Id} ({j.Kind} {j.TrxId}) sums to {sums.GetValueOrDefault(j.Id)}")
            .Concat(sums.Keys.Except(journals.Select(j => j.Id)).Select(id => $"postings of journal {id}, which has no payment"))
            .ToList();
        return new Verdict("every journal transaction sums to zero", wrong.Count == 0, $"{journals.Count} transactions, {postings.Count} postings" + Examples(wrong));
    }

    /// <summary>What each account's balance must be: the postings of every acknowledged payment that was not reversed.</summary>
    private static Dictionary<string, long> ExpectedBalances(List<TillPayment> tills)
    {
        var balances = new Dictionary<string, long>();
        foreach (var till in tills.Where(t => t.PaymentId is not null && !t.Reversed))
        {
            foreach (var (account, amount) in till.Merchant.Expected(till.Amount))
            {
                balances[account] = balances.GetValueOrDefault(account) + amount;
            }
        }
        return balances;
    }

    /// <summary>Every account's balance (the sum of its postings) equals what the acknowledged payments and reversals make it.</summary>
    private static Verdict Balances(Dictionary<string, long> expected, List<PostingRow> postings)
    {
        var actual = postings.GroupBy(p => p.Account).ToDictionary(g => g.Key, g => g.Sum(p => p.Amount));
        var wrong = expected.Keys.Union(actual.Keys)
            .Where(a => expected.GetValueOrDefault(a) != actual.GetValueOrDefault(a))
            .Select(a => $"{a}: postings {actual.GetValueOrDefault(a)}, payments make it {expected.GetValueOrDefault(a)}")
            .ToList();
        return new Verdict("every balance equals its postings and the acknowledged payments", wrong.Count == 0,
            $"{actual.Count} accounts" + Examples(wrong));
    }

    /// <summary>
    /// Each acknowledged payment has one PAYMENT journal transaction with exactly its postings; a reversed one also one
    /// REVERSAL transaction, their exact opposite, and its row says REVERSED; any other has no reversal.
    /// </summary>
    private static Verdict JournalEntries(List<TillPayment> tills, List<PaymentRow> payments, List<JournalRow> journals, List<PostingRow> postings)
    {
        var byTrx = journals.ToLookup(j => j.TrxId);
        var lines = postings.ToLookup(p => p.JournalId);
        var status = payments.ToLookup(p => p.TrxId);
        var wrong = new List<string>();
        foreach (var till in tills.Where(t => t.PaymentId is not null))
        {
            var expected = till.Merchant.Expected(till.Amount);
            var paid = byTrx[till.TrxId].Where(j => j.Kind == "PAYMENT").ToList();
            var reversed = byTrx[till.TrxId].Where(j => j.Kind == "REVERSAL").ToList();
            if (paid.Count != 1 || !Same(lines[paid[0].Id], expected, 1))
            {
                wrong.Add($"{till.TrxId}: {paid.Count} payment transactions, postings {Describe(paid.SelectMany(j => lines[j.Id]))}, expected {Describe(expected)}");
            }
            if (reversed.Count != (till.Reversed ? 1 : 0) || (till.Reversed && !Same(lines[reversed[0].Id], expected, -1)))
            {
                wrong.Add($"{till.TrxId}: reversal answered {till.Reversed}, {reversed.Count} reversal transactions");
            }
            if (status[till.TrxId].FirstOrDefault()?.Status != (till.Reversed ? "REVERSED" : "SUCCESS"))
            {
                wrong.Add($"{till.TrxId}: stored {status[till.TrxId].FirstOrDefault()?.Status}, reversal answered {till.Reversed}");
            }
        }
        return new Verdict("each payment and reversal has exactly its journal entries", wrong.Count == 0,
            $"{tills.Count(t => t.Reversed)} reversed" + Examples(wrong));
    }

    private static bool Same(IEnumerable<PostingRow> actual, IReadOnlyDictionary<string, long> expected, int sign)
    {
        var list = actual.ToList();
        return list.Count == expected.Count && list.All(p => expected.TryGetValue(p.Account, out var amount) && amount * sign == p.Amount);
    }

    private static string Describe(IEnumerable<PostingRow> postings) => string.Join(" ", postings.Select(p => $"{p.Account}={p.Amount}"));

    private static string Describe(IReadOnlyDictionary<string, long> postings) => string.Join(" ", postings.Select(p => $"{p.Key}={p.Value}"));

    /// <summary>
    /// Every acknowledged payment reached its merchant at least once (SUCCESS), every acknowledged reversal too
    /// (FAILED), each signed by the gateway, and all deliveries of one event carry one Request-Id.
    /// </summary>
    private static Verdict Notified(List<TillPayment> tills, IReadOnlyList<ChaosMerchant> merchants)
    {
        var deliveries = Deliveries(merchants);
        var wrong = new List<string>();
        foreach (var till in tills.Where(t => t.PaymentId is not null))
        {
            foreach (var (event_, due) in new[] { ("SUCCESS", true), ("FAILED", till.Reversed) })
            {
                var got = deliveries[(till.TrxId, event_)].ToList();
                if (due && got.Count == 0)
                {
                    wrong.Add($"{till.TrxId} {event_}: never delivered");
                }
                if (got.Select(d => d.RequestId).Distinct().Count() > 1)
                {
                    wrong.Add($"{till.TrxId} {event_}: Request-Ids {string.Join(", ", got.Select(d => d.RequestId).Distinct())}");
                }
            }
        }
        var unsigned = deliveries.SelectMany(g => g).Count(d => !d.SignatureValid);
        if (unsigned > 0)
        {
            wrong.Add($"{unsigned} deliveries whose signature does not verify");
        }
        var count = deliveries.Sum(g => g.Count());
        return new Verdict("every payment notified at least once, one Request-Id per notification", wrong.Count == 0,
            $"{count} deliveries of {deliveries.Count} notifications" + Examples(wrong));
    }

    private sealed record Delivery(string RequestId, bool SignatureValid);

    /// <summary>The deliveries each merchant's receiver got, by (trx_id, event).</summary>
    private static ILookup<(string TrxId, string Event), Delivery> Deliveries(IReadOnlyList<ChaosMerchant> merchants) =>
        merchants.SelectMany(m => m.Endpoint.CallsTo(MerchantEndpoint.NotificationPath)).Select(call =>
        {
            var json = call.Json;
            var trx = json["online_to_offline_payment"]?["identifier"]?.AsArray()
                .FirstOrDefault(i => (string?)i!["name"] == "AGENT_TRX_ID")?["value"];
            return (Key: ((string?)trx ?? "", (string?)json["transaction"]?["status"] ?? ""),
                Delivery: new Delivery(call.Headers.GetValueOrDefault("Request-Id") ?? "", call.SignatureValid));
        }).ToLookup(d => d.Key, d => d.Delivery);

    public static int DeliveryCount(IReadOnlyList<ChaosMerchant> merchants) =>
        merchants.Sum(m => m.Endpoint.CallsTo(MerchantEndpoint.NotificationPath).Count);

    /// <summary>Whether every acknowledged payment and reversal has reached its merchant (the drain waits for it).</summary>
    public static bool AllDelivered(Traffic traffic, IReadOnlyList<ChaosMerchant> merchants)
    {
        var deliveries = Deliveries(merchants);
        return traffic.Payments.Where(t => t.PaymentId is not null)
            .All(t => deliveries.Contains((t.TrxId, "SUCCESS")) && (!t.Reversed || deliveries.Contains((t.TrxId, "FAILED"))));
    }

    /// <summary>
    /// Closing each merchant's business days through the admin API: per payable account, the batches' lines add up
    /// to what the acknowledged payments owe it.
    /// </summary>
    private static async Task<Verdict> SettlementAsync(Cluster cluster, IReadOnlyList<ChaosMerchant> merchants, IReadOnlyList<string> dates,
        Dictionary<string, long> expected, CancellationToken ct)
    {
        var settled = new Dictionary<string, long>();
        var wrong = new List<string>();
        var batches = 0;
        foreach (var merchant in merchants)
        {
            foreach (var date in dates)
            {
                var (status, closed) = await cluster.AdminAsync(HttpMethod.Post, "/admin/v1/settlements/close", new { date, client_id = merchant.ClientId }, ct);
                if (status != HttpStatusCode.OK)
                {
                    wrong.Add($"closing {date} of {merchant.ClientId}: {(int)status} {closed?.ToJsonString()}");
                    continue;
                }
                foreach (var batch in closed!["items"]!.AsArray())
                {
                    batches++;
                    var (_, view) = await cluster.AdminAsync(HttpMethod.Get, $"/admin/v1/settlements/{(string)batch!["id"]!}", null, ct);
                    foreach (var line in view!["lines"]!.AsArray().Where(l => !(bool)l!["carried_forward"]!))
                    {
                        var account = (string)line!["account"]!;
                        settled[account] = settled.GetValueOrDefault(account) + (long)line["amount"]!;
                    }
                }
            }
        }
        var payable = expected.Where(e => e.Key.StartsWith("merchant:", StringComparison.Ordinal)).ToDictionary(e => e.Key, e => -e.Value);
        wrong.AddRange(payable.Keys.Union(settled.Keys)
            .Where(a => payable.GetValueOrDefault(a) != settled.GetValueOrDefault(a))
            .Select(a => $"{a}: settled {settled.GetValueOrDefault(a)}, payments sum to {payable.GetValueOrDefault(a)}"));
        var total = settled.Values.Sum();
        return new Verdict("closing the day's settlement gives the payments' totals", wrong.Count == 0,
            $"{batches} batches, Rp {total.ToString("N0", CultureInfo.InvariantCulture)} settled" + Examples(wrong));
    }

    private static string Examples(IEnumerable<string> problems)
    {
        var list = problems.Take(5).ToList();
        return list.Count == 0 ? "" : "\n      " + string.Join("\n      ", list);
    }
}
