namespace Tunai.Merchant;

/// <summary>
/// One business day (WIB) of the merchant's money, from <see cref="TunaiMerchantClient.GetSettlementReportAsync"/>:
/// its payments and reversals with what each payee got, and the day's settlement batch once it is closed.
/// </summary>
public sealed record SettlementReport(DateOnly Date, IReadOnlyList<SettlementTransaction> Transactions, SettlementBatch? Batch);

/// <summary>A payment (<c>PAYMENT</c>) or its reversal (<c>REVERSAL</c>, amounts negative): gross, fee, net and the splits of the net.</summary>
public sealed record SettlementTransaction(
    string Kind, string PaymentId, string TrxId, string PaymentCode, string InvoiceNumber, DateOnly BusinessDate, DateTimeOffset CreatedAt,
    long Gross, long Fee, long Net, IReadOnlyList<SettlementSplitAmount> Splits);

/// <summary>What one payee got: <c>SETTLEMENT_ACCOUNT</c>, <c>SUB_ACCOUNT</c> or <c>MERCHANT_BALANCE</c>, by rule <c>FIX</c>, <c>PERCENTAGE</c> or <c>REMAINDER</c>.</summary>
public sealed record SettlementSplitAmount(string Payee, string PayeeType, string Type, long Amount);

/// <summary>A closed batch: <c>CLOSED</c>, or <c>PAID</c> with the transfer's reference.</summary>
public sealed record SettlementBatch(
    string Id, DateOnly Date, string Status, long Total, DateTimeOffset ClosedAt, DateTimeOffset? PaidAt, string? Reference,
    IReadOnlyList<SettlementBatchLine> Lines);

/// <summary>One payee's sum in a batch; a negative one is carried forward to the next batch instead of being paid.</summary>
public sealed record SettlementBatchLine(int Line, string PayeeType, string Payee, long Amount, bool CarriedForward);
