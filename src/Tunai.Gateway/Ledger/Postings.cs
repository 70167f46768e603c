using Tunai.Gateway.PaymentCodes;
using Tunai.Gateway.Fees;

namespace Tunai.Gateway.Ledger;

/// <summary>What a posting is for: the journal's four kinds of line.</summary>
public static class PostingRole
{
    /// <summary>What the acquirer owes the operator for the payment: gross minus its cost (debit, positive).</summary>
    public const string Receivable = "ACQUIRER_RECEIVABLE";

    /// <summary>What the store network keeps (debit, positive: an expense of the operator).</summary>
    public const string AcquirerCost = "ACQUIRER_COST";

    /// <summary>The merchant's fee (credit, negative).</summary>
    public const string FeeRevenue = "FEE_REVENUE";

    /// <summary>What the operator owes one payee (credit, negative).</summary>
    public const string Payable = "PAYABLE";
}

/// <summary>How a payee's share was found: a FIX or PERCENTAGE split, or what remained of the net.</summary>
public static class SplitType
{
    public const string Fix = "FIX";
    public const string Percentage = "PERCENTAGE";
    public const string Remainder = "REMAINDER";
}

/// <summary>
/// One line of a journal transaction. <see cref="Account"/> is an address in the style of Formance's ledger
/// (<c>merchant:{client_id}:settlement:{id}</c>); positive amounts are debits, negative credits, so a
/// transaction balances when its amounts add up to zero.
/// </summary>
public sealed record PostingLine(string Account, string Role, string? SplitType, string? Payee, long Amount);

/// <summary>A payee's share of a payment's net: who (<see cref="Payee"/>: a settlement account id, a sub-account id, or "merchant"), by which rule, how much.</summary>
public sealed record PayeeShare(string PayeeKind, string Payee, string SplitType, long Amount);

/// <summary>Gross, fee, acquirer cost, net, the payees' shares and the balanced postings of one payment.</summary>
public sealed record PaymentMoney(long Gross, long Fee, long AcquirerCost, long Net, IReadOnlyList<PayeeShare> Shares, IReadOnlyList<PostingLine> Lines);

/// <summary>
/// The ledger's arithmetic, in this one place: the payment path, the refusal of over-allocated codes and the
/// reports all call it. Whole rupiah in longs throughout; a PERCENTAGE value is a decimal (base ten, exact for
/// the few decimals a split carries), floored once to whole rupiah.
/// </summary>
public static class Postings
{
    public const string PayeeSettlement = "SETTLEMENT_ACCOUNT";
    public const string PayeeSubAccount = "SUB_ACCOUNT";
    public const string PayeeMerchant = "MERCHANT_BALANCE";

    public const string OperatorFeeRevenue = "operator:fee_revenue";

    public static string ReceivableAccount(string acquirer) => $"acquirer:{acquirer}:receivable";

    public static string CostAccount(string acquirer) => $"acquirer:{acquirer}:cost";

    public static string PayeeAccount(string clientId, string payeeKind, string payee) => payeeKind switch
    {
        PayeeSettlement => $"merchant:{clientId}:settlement:{payee}",
        PayeeSubAccount => $"merchant:{clientId}:sub:{payee}",
        _ => $"merchant:{clientId}:balance",
    };

    /// <summary>
    /// The payees' shares of <paramref name="net"/>: each FIX split its value, then each PERCENTAGE split
    /// floor(net × value / 100), in the order given; the rest to the sub-account, else the merchant's balance.
    /// A share never exceeds what is left (a code whose splits ask for more than the net is refused before it
    /// is stored, see <see cref="IsOverAllocated"/>; this keeps the journal balanced even if one slipped by).
    /// </summary>
    public static IReadOnlyList<PayeeShare> Split(long net, IReadOnlyList<SettlementSplit> splits, string? subAccount)
    {
        var shares = new List<PayeeShare>();
        var left = net;
        foreach (var s in splits.Where(s => s.Type == SplitType.Fix))
        {
            var take = Math.Min((long)s.Value, left);
            shares.Add(new PayeeShare(PayeeSettlement, s.BankAccountSettlementId, SplitType.Fix, take));
            left -= take;
        }
        foreach (var s in splits.Where(s => s.Type == SplitType.Percentage))
        {
            var take = Math.Min((long)decimal.Floor(net * s.Value / 100m), left);
            shares.Add(new PayeeShare(PayeeSettlement, s.BankAccountSettlementId, SplitType.Percentage, take));
            left -= take;
        }
        shares.Add(subAccount is null
            ? new PayeeShare(PayeeMerchant, "merchant", SplitType.Remainder, left)
            : new PayeeShare(PayeeSubAccount, subAccount, SplitType.Remainder, left));
        return shares;
    }

    /// <summary>The rule: sum(FIX) + sum(PERCENTAGE) × net / 100 > net, exactly (no flooring).</summary>
    public static bool IsOverAllocated(long net, IReadOnlyList<SettlementSplit> splits)
    {
        // A value beyond any amount Tunai takes (12 digits) is over-allocated whatever the net; checked first so
        // the products below stay inside decimal's range.
        if (splits.Any(s => s.Value > 1_000_000_000_000_000m))
        {
            return true;
        }
        var fix = splits.Where(s => s.Type == SplitType.Fix).Sum(s => s.Value);
        var percent = splits.Where(s => s.Type == SplitType.Percentage).Sum(s => s.Value);
        return fix * 100 + percent * net > net * 100m;
    }

    /// <summary>The whole payment: fee from the code's schedule, cost from the acquirer's, shares of the net, and the postings.</summary>
    public static PaymentMoney Compute(long amount, FeeSchedule fee, FeeSchedule cost, IReadOnlyList<SettlementSplit> splits,
        string? subAccount, string clientId, string acquirer)
    {
        var feeAmount = fee.Apply(amount);
        var costAmount = cost.Apply(amount);
        var net = amount - feeAmount;
        var shares = Split(net, splits, subAccount);
        var lines = new List<PostingLine>
        {
            new(ReceivableAccount(acquirer), PostingRole.Receivable, null, null, amount - costAmount),
            new(CostAccount(acquirer), PostingRole.AcquirerCost, null, null, costAmount),
            new(OperatorFeeRevenue, PostingRole.FeeRevenue, null, null, -feeAmount),
        };
        lines.AddRange(shares.Select(s => new PostingLine(PayeeAccount(clientId, s.PayeeKind, s.Payee), PostingRole.Payable, s.SplitType, s.Payee, -s.Amount)));
        // A zero fee or cost says nothing and is not written; a payee's line is, even at zero, so every payee the
        // rules name shows in the journal.
        return new PaymentMoney(amount, feeAmount, costAmount, net, shares,
            lines.Where(l => l.Amount != 0 || l.Role == PostingRole.Payable).ToList());
    }

    /// <summary>The exact opposite of a transaction's lines: what a reversal writes.</summary>
    public static IReadOnlyList<PostingLine> Reverse(IEnumerable<PostingLine> lines) =>
        lines.Select(l => l with { Amount = -l.Amount }).ToList();
}
