using Tunai.Gateway.PaymentCodes;
using Tunai.Gateway.Ledger;
using Tunai.Gateway.Fees;

namespace Tunai.Gateway.Settlement;

/// <summary>
/// The money rules a code must meet, called by create and update inside their unit of work after the code's row
/// is written: a refusal returns before the unit commits, so nothing of the request stays.
/// </summary>
public static class CodeMoney
{
    public const string SettlementField = "additional_info.settlement";
    public const string AccountField = "additional_info.account.id";

    /// <summary>A code just inserted with the fee schedule fixed with it (see <see cref="PaymentCodeStore.InsertAsync"/>): checks its accounts and splits.</summary>
    public static Task<ApiError?> AcceptNewAsync(WriteUnit unit, PaymentCode code, FeeSchedule fee) =>
        CheckAsync(unit.Connection, unit.Transaction, code, fee, SettlementField);

    /// <summary>
    /// A code just changed (amount, settlement or sub-account): the same checks against the fee it was sold at.
    /// <paramref name="overAllocationField"/> is the field that made the splits ask for more than the net.
    /// </summary>
    public static async Task<ApiError?> RecheckAsync(WriteUnit unit, PaymentCode code, string overAllocationField)
    {
        if (code.Settlement is null && code.AccountId is null)
        {
            return null;
        }
        var fee = await FeeStore.CodeAsync(unit.Connection, code.Id, unit.Transaction);
        return await CheckAsync(unit.Connection, unit.Transaction, code, fee, overAllocationField);
    }

    /// <summary>
    /// Every split names an active settlement account of the merchant, the sub-account is an active one of its
    /// own, and the splits ask for no more than the net the fee leaves (see <see cref="Postings.IsOverAllocated"/>).
    /// </summary>
    public static async Task<ApiError?> CheckAsync(DbConnection c, DbTransaction tx, PaymentCode code, FeeSchedule fee, string overAllocationField)
    {
        if (code.Settlement is null && code.AccountId is null)
        {
            return null;
        }
        var splits = Splits(code.Settlement);
        if (splits.Count > 0)
        {
            var accounts = (await AccountStore.SettlementAccountsAsync(c, code.MerchantId, tx)).ToDictionary(a => a.AccountId, StringComparer.Ordinal);
            for (var i = 0; i < splits.Count; i++)
            {
                var id = splits[i].BankAccountSettlementId;
                if (!accounts.TryGetValue(id, out var account) || !account.Active)
                {
                    var field = $"{SettlementField}[{i}].bank_account_settlement_id";
                    return ApiError.Validation(field, account is null
                        ? $"{field}: {id} is not a settlement account of this merchant (register it first)"
                        : $"{field}: settlement account {id} is deactivated");
                }
            }
        }
        if (code.AccountId is { } sub)
        {
            var subs = await AccountStore.SubAccountsAsync(c, code.MerchantId, tx);
            if (subs.FirstOrDefault(s => s.AccountId == sub) is not { Active: true })
            {
                return ApiError.Validation(AccountField, $"{AccountField}: {sub} is not an active sub-account of this merchant");
            }
        }
        var net = code.Amount - fee.Apply(code.Amount);
        if (Postings.IsOverAllocated(net, splits))
        {
            return ApiError.Validation(overAllocationField,
                $"{overAllocationField}: the settlement splits ask for more than the net amount {net} (amount {code.Amount} minus fee {code.Amount - net}); FIX values plus PERCENTAGE of the net must not exceed it");
        }
        return null;
    }

    /// <summary>The splits of a stored settlement (normalised JSON, see <see cref="PaymentCodeRequests"/>).</summary>
    public static IReadOnlyList<SettlementSplit> Splits(string? settlement) =>
        settlement is null ? [] : JsonSerializer.Deserialize(settlement, SettlementJsonContext.Default.ListSettlementSplit) ?? [];
}
