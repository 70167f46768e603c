using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Money;

/// <summary>What must hold of the whole ledger at any moment, read straight from the gateway's database.</summary>
public static class LedgerAssertions
{
    public static async Task AssertBalancedAsync(this GatewayHost gateway)
    {
        Assert.Equal(0, await gateway.CountAsync(
            "SELECT count(*) FROM (SELECT journal_id FROM postings GROUP BY journal_id HAVING sum(amount) <> 0) AS unbalanced"));
        Assert.Equal(0, await gateway.CountAsync("SELECT COALESCE(sum(amount), 0) FROM postings"));
        Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM journal_transactions j WHERE NOT EXISTS (SELECT 1 FROM postings p WHERE p.journal_id = j.id)"));
        // Each payment has exactly one journal transaction, and a reversed one exactly one reversal.
        Assert.Equal(0, await gateway.CountAsync(
            "SELECT count(*) FROM payments p WHERE (SELECT count(*) FROM journal_transactions j WHERE j.payment_id = p.id AND j.kind = 'PAYMENT') <> 1"));
        Assert.Equal(0, await gateway.CountAsync(
            """
            SELECT count(*) FROM payments p
            WHERE (SELECT count(*) FROM journal_transactions j WHERE j.payment_id = p.id AND j.kind = 'REVERSAL')
                <> CASE WHEN p.status = 'REVERSED' THEN 1 ELSE 0 END
            """));
        // A journal's gross, fee and net are those of its postings.
        Assert.Equal(0, await gateway.CountAsync(
            """
            SELECT count(*) FROM journal_transactions j
            WHERE j.gross <> j.fee + j.net
               OR j.fee <> -COALESCE((SELECT sum(amount) FROM postings p WHERE p.journal_id = j.id AND p.role = 'FEE_REVENUE'), 0)
               OR j.net <> -COALESCE((SELECT sum(amount) FROM postings p WHERE p.journal_id = j.id AND p.role = 'PAYABLE'), 0)
            """));
    }
}
